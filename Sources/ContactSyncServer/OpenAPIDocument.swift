/// The OpenAPI 3.1 description of the REST API, served at `/openapi.yaml`.
enum OpenAPIDocument {
    static let yaml = #"""
openapi: 3.1.0
info:
  title: contact-sync
  version: 0.1.0
  description: Keeps CRM contacts in HubSpot and Salesforce up to date from AI agent conversations.
servers:
  - url: /
security:
  - apiKey: []
components:
  securitySchemes:
    apiKey:
      type: http
      scheme: bearer
  parameters:
    Id:
      name: id
      in: path
      required: true
      schema: {type: string}
    Limit:
      name: limit
      in: query
      schema: {type: integer, minimum: 1, maximum: 500, default: 50}
    Cursor:
      name: cursor
      in: query
      schema: {type: string}
    CRMName:
      name: crm
      in: path
      required: true
      schema: {type: string, enum: [hubspot, salesforce]}
  responses:
    Error:
      description: An error with a machine-readable code.
      content:
        application/json:
          schema: {$ref: '#/components/schemas/Error'}
    NoContent:
      description: Done.
  schemas:
    Error:
      type: object
      required: [error]
      properties:
        error:
          type: object
          required: [code, message, details]
          properties:
            code: {type: string}
            message: {type: string}
            details:
              type: array
              items:
                type: object
                required: [code]
                properties:
                  code: {type: string}
                  message: {type: [string, "null"]}
                  crmField: {type: [string, "null"]}
                  agentField: {type: [string, "null"]}
                  reason: {type: [string, "null"]}
                  actionId: {type: [string, "null"]}
    Template:
      type: object
      required: [id, name, crm, requiredMappings, emailField]
      properties:
        id: {type: string}
        name: {type: string}
        crm: {type: string, enum: [hubspot, salesforce]}
        requiredMappings: {type: array, items: {type: string}}
        emailField: {type: string}
    Account:
      type: object
      required: [id, crm, name, status, baseURL, emulator, createdAt]
      properties:
        id: {type: string}
        crm: {type: string, enum: [hubspot, salesforce]}
        name: {type: string}
        status: {type: string, enum: [connected, reconnect_required]}
        baseURL: {type: [string, "null"]}
        emulator: {type: boolean}
        createdAt: {type: string, format: date-time}
    AccountInput:
      type: object
      required: [crm]
      properties:
        crm: {type: string, enum: [hubspot, salesforce]}
        name: {type: string}
        emulator: {type: boolean}
        accessToken: {type: string}
        baseURL: {type: string}
        instanceURL: {type: string}
        refreshToken: {type: string}
        clientId: {type: string}
        clientSecret: {type: string}
        loginURL: {type: string}
    CRMField:
      type: object
      required: [name, label, type, requiredOnCreate, mappable, reason, custom, picklistValues]
      properties:
        name: {type: string}
        label: {type: string}
        type: {type: string}
        fieldType: {type: [string, "null"]}
        length: {type: [integer, "null"]}
        requiredOnCreate: {type: boolean}
        mappable: {type: boolean}
        reason: {type: [string, "null"], enum: [unsupported_type, read_only, calculated, null]}
        custom: {type: boolean}
        picklistValues: {type: [array, "null"], items: {type: string}}
        restrictedPicklist: {type: boolean}
        createable: {type: boolean}
        updateable: {type: boolean}
        calculated: {type: boolean}
    AgentField:
      type: object
      required: [key, label, builtIn, contactAttribute]
      properties:
        key: {type: string}
        label: {type: string}
        builtIn: {type: boolean}
        contactAttribute: {type: boolean}
    AgentFieldInput:
      type: object
      required: [key]
      properties:
        key: {type: string}
        label: {type: string}
        contactAttribute: {type: boolean}
    Mapping:
      type: object
      required: [crmField, agentField]
      properties:
        crmField: {type: string}
        agentField: {type: string}
        defaultValue: {type: [string, "null"]}
    ActionInput:
      type: object
      required: [template, name, accountId, mappings]
      properties:
        template: {type: string}
        name: {type: string}
        intent: {type: string}
        offlineSync: {type: boolean}
        accountId: {type: string}
        allowCreate: {type: boolean}
        allowUpdateExisting: {type: boolean}
        enabled: {type: boolean}
        mappings: {type: array, items: {$ref: '#/components/schemas/Mapping'}}
    Action:
      type: object
      required: [id, template, name, intent, offlineSync, accountId, allowCreate, allowUpdateExisting, enabled, mappings, createdAt]
      properties:
        id: {type: string}
        template: {type: string}
        name: {type: string}
        intent: {type: string}
        offlineSync: {type: boolean}
        accountId: {type: string}
        allowCreate: {type: boolean}
        allowUpdateExisting: {type: boolean}
        enabled: {type: boolean}
        mappings: {type: array, items: {$ref: '#/components/schemas/Mapping'}}
        createdAt: {type: string, format: date-time}
    AgentInput:
      type: object
      required: [name, channel]
      properties:
        name: {type: string}
        channel: {type: string, enum: [text, voice]}
        actionIds: {type: array, items: {type: string}}
    Agent:
      type: object
      required: [id, name, channel, actionIds, createdAt]
      properties:
        id: {type: string}
        name: {type: string}
        channel: {type: string, enum: [text, voice]}
        actionIds: {type: array, items: {type: string}}
        createdAt: {type: string, format: date-time}
    Tool:
      type: object
      required: [type, function]
      properties:
        type: {type: string, const: function}
        function:
          type: object
          required: [name, description, parameters]
          properties:
            name: {type: string}
            description: {type: string}
            parameters:
              type: object
              required: [type, properties, required]
              properties:
                type: {type: string, const: object}
                properties: {type: object, additionalProperties: {type: object}}
                required: {type: array, items: {type: string}}
    Conversation:
      type: object
      required: [id, agentId, channel, status, startedAt, lastMessageAt, endsAt, endedAt, attributes, summary, messageCount]
      properties:
        id: {type: string}
        agentId: {type: string}
        channel: {type: string, enum: [text, voice]}
        status: {type: string, enum: [open, ended]}
        startedAt: {type: string, format: date-time}
        lastMessageAt: {type: [string, "null"], format: date-time}
        endsAt: {type: [string, "null"], format: date-time}
        endedAt: {type: [string, "null"], format: date-time}
        attributes: {type: object, additionalProperties: {type: string}}
        summary: {type: [string, "null"]}
        messageCount: {type: integer}
    Run:
      type: object
      required: [id, actionId, conversationId, trigger, status, outcome, reason, dryRun, reasonDetail, crmRecordId, crmRecordURL, noteId, fieldsWritten, fieldsSkipped, warnings, error, crmCalls, attempts, createdAt, startedAt, finishedAt]
      properties:
        id: {type: string}
        actionId: {type: string}
        conversationId: {type: [string, "null"]}
        trigger: {type: string, enum: [in_conversation, offline]}
        status: {type: string, enum: [pending, running, succeeded, failed, waiting_for_account]}
        outcome: {type: [string, "null"], enum: [created, updated, summary_only, skipped, null]}
        reason: {type: [string, "null"], enum: [missing_email, invalid_email, creation_disabled, updates_disabled, missing_required_value, null]}
        dryRun: {type: boolean}
        reasonDetail: {type: [string, "null"]}
        crmRecordId: {type: [string, "null"]}
        crmRecordURL: {type: [string, "null"]}
        noteId: {type: [string, "null"]}
        fieldsWritten: {type: array, items: {type: string}}
        fieldsSkipped:
          type: array
          items:
            type: object
            required: [crmField, reason]
            properties:
              crmField: {type: string}
              reason: {type: string}
              detail: {type: [string, "null"]}
        warnings:
          type: array
          items:
            type: object
            required: [code, message]
            properties:
              code: {type: string}
              message: {type: string}
              field: {type: string}
              ids: {type: array, items: {type: string}}
        error:
          type: [object, "null"]
          required: [code, message, crmCode, retryable]
          properties:
            code: {type: string}
            message: {type: string}
            crmCode: {type: [string, "null"]}
            retryable: {type: boolean}
        crmCalls: {type: integer}
        roundTrips: {type: integer}
        crmWaitMs: {type: number}
        attempts: {type: integer}
        createdAt: {type: string, format: date-time}
        startedAt: {type: [string, "null"], format: date-time}
        finishedAt: {type: [string, "null"], format: date-time}
    NextCursor:
      type: [string, "null"]
paths:
  /health:
    get:
      security: []
      summary: Liveness
      responses:
        "200":
          description: Alive.
          content:
            application/json:
              schema:
                type: object
                required: [status, version]
                properties:
                  status: {type: string}
                  version: {type: string}
  /openapi.yaml:
    get:
      security: []
      summary: This document
      responses:
        "200":
          description: The OpenAPI document.
          content:
            application/yaml:
              schema: {type: string}
  /v1/templates:
    get:
      summary: The action library
      responses:
        "200":
          description: Templates.
          content:
            application/json:
              schema:
                type: object
                required: [items, nextCursor]
                properties:
                  items: {type: array, items: {$ref: '#/components/schemas/Template'}}
                  nextCursor: {$ref: '#/components/schemas/NextCursor'}
        "401": {$ref: '#/components/responses/Error'}
  /v1/accounts:
    post:
      summary: Connect an account with a token, or the built-in emulator
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/AccountInput'}
      responses:
        "201":
          description: Connected.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Account'}
        "400": {$ref: '#/components/responses/Error'}
        "401": {$ref: '#/components/responses/Error'}
        "413": {$ref: '#/components/responses/Error'}
        "422": {$ref: '#/components/responses/Error'}
    get:
      summary: List accounts
      parameters:
        - $ref: '#/components/parameters/Limit'
        - $ref: '#/components/parameters/Cursor'
      responses:
        "200":
          description: Accounts.
          content:
            application/json:
              schema:
                type: object
                required: [items, nextCursor]
                properties:
                  items: {type: array, items: {$ref: '#/components/schemas/Account'}}
                  nextCursor: {$ref: '#/components/schemas/NextCursor'}
        "400": {$ref: '#/components/responses/Error'}
        "401": {$ref: '#/components/responses/Error'}
  /v1/accounts/{id}:
    parameters:
      - $ref: '#/components/parameters/Id'
    get:
      summary: One account
      responses:
        "200":
          description: The account.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Account'}
        "401": {$ref: '#/components/responses/Error'}
        "404": {$ref: '#/components/responses/Error'}
    delete:
      summary: Disconnect an account
      responses:
        "204": {$ref: '#/components/responses/NoContent'}
        "401": {$ref: '#/components/responses/Error'}
        "404": {$ref: '#/components/responses/Error'}
        "409": {$ref: '#/components/responses/Error'}
  /v1/accounts/{id}/reconnect:
    parameters:
      - $ref: '#/components/parameters/Id'
    post:
      summary: Connect an account again with new credentials; its waiting runs resume
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/AccountInput'}
      responses:
        "200":
          description: Reconnected.
          content:
            application/json:
              schema:
                type: object
                required: [account, resumedRuns]
                properties:
                  account: {$ref: '#/components/schemas/Account'}
                  resumedRuns: {type: integer}
        "400": {$ref: '#/components/responses/Error'}
        "401": {$ref: '#/components/responses/Error'}
        "404": {$ref: '#/components/responses/Error'}
        "413": {$ref: '#/components/responses/Error'}
        "422": {$ref: '#/components/responses/Error'}
  /v1/accounts/{id}/fields:
    parameters:
      - $ref: '#/components/parameters/Id'
    get:
      summary: The CRM's contact fields with mappability
      responses:
        "200":
          description: Fields.
          content:
            application/json:
              schema:
                type: object
                required: [items, nextCursor]
                properties:
                  items: {type: array, items: {$ref: '#/components/schemas/CRMField'}}
                  nextCursor: {$ref: '#/components/schemas/NextCursor'}
        "401": {$ref: '#/components/responses/Error'}
        "404": {$ref: '#/components/responses/Error'}
        "503": {$ref: '#/components/responses/Error'}
  /v1/oauth/{crm}/authorize:
    parameters:
      - $ref: '#/components/parameters/CRMName'
      - {name: name, in: query, schema: {type: string}}
      - {name: emulator, in: query, schema: {type: boolean}}
      - {name: sandbox, in: query, schema: {type: boolean}}
      - {name: loginURL, in: query, schema: {type: string}}
    get:
      summary: Start OAuth
      responses:
        "302": {description: To the CRM's authorization page.}
        "401": {$ref: '#/components/responses/Error'}
        "404": {$ref: '#/components/responses/Error'}
        "422": {$ref: '#/components/responses/Error'}
  /oauth/{crm}/callback:
    parameters:
      - $ref: '#/components/parameters/CRMName'
      - {name: code, in: query, schema: {type: string}}
      - {name: state, in: query, schema: {type: string}}
      - {name: error, in: query, schema: {type: string}}
    get:
      security: []
      summary: Finish OAuth
      responses:
        "201":
          description: The connected account.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Account'}
        "400": {$ref: '#/components/responses/Error'}
        "404": {$ref: '#/components/responses/Error'}
        "422": {$ref: '#/components/responses/Error'}
  /v1/fields:
    get:
      summary: Agent fields
      responses:
        "200":
          description: Agent fields, built-in first.
          content:
            application/json:
              schema:
                type: object
                required: [items, nextCursor]
                properties:
                  items: {type: array, items: {$ref: '#/components/schemas/AgentField'}}
                  nextCursor: {$ref: '#/components/schemas/NextCursor'}
        "401": {$ref: '#/components/responses/Error'}
    post:
      summary: Create an agent field
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/AgentFieldInput'}
      responses:
        "201":
          description: Created.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/AgentField'}
        "400": {$ref: '#/components/responses/Error'}
        "401": {$ref: '#/components/responses/Error'}
        "409": {$ref: '#/components/responses/Error'}
        "413": {$ref: '#/components/responses/Error'}
        "422": {$ref: '#/components/responses/Error'}
  /v1/fields/{key}:
    parameters:
      - {name: key, in: path, required: true, schema: {type: string}}
    delete:
      summary: Delete a custom agent field
      responses:
        "204": {$ref: '#/components/responses/NoContent'}
        "401": {$ref: '#/components/responses/Error'}
        "404": {$ref: '#/components/responses/Error'}
        "409": {$ref: '#/components/responses/Error'}
  /v1/actions:
    post:
      summary: Create an action
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/ActionInput'}
      responses:
        "201":
          description: Created.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Action'}
        "400": {$ref: '#/components/responses/Error'}
        "401": {$ref: '#/components/responses/Error'}
        "413": {$ref: '#/components/responses/Error'}
        "422": {$ref: '#/components/responses/Error'}
        "503": {$ref: '#/components/responses/Error'}
    get:
      summary: List actions
      parameters:
        - $ref: '#/components/parameters/Limit'
        - $ref: '#/components/parameters/Cursor'
      responses:
        "200":
          description: Actions.
          content:
            application/json:
              schema:
                type: object
                required: [items, nextCursor]
                properties:
                  items: {type: array, items: {$ref: '#/components/schemas/Action'}}
                  nextCursor: {$ref: '#/components/schemas/NextCursor'}
        "400": {$ref: '#/components/responses/Error'}
        "401": {$ref: '#/components/responses/Error'}
  /v1/actions/{id}:
    parameters:
      - $ref: '#/components/parameters/Id'
    get:
      summary: One action
      responses:
        "200":
          description: The action.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Action'}
        "401": {$ref: '#/components/responses/Error'}
        "404": {$ref: '#/components/responses/Error'}
    put:
      summary: Replace an action
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/ActionInput'}
      responses:
        "200":
          description: Updated.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Action'}
        "400": {$ref: '#/components/responses/Error'}
        "401": {$ref: '#/components/responses/Error'}
        "404": {$ref: '#/components/responses/Error'}
        "413": {$ref: '#/components/responses/Error'}
        "422": {$ref: '#/components/responses/Error'}
        "503": {$ref: '#/components/responses/Error'}
    delete:
      summary: Delete an action
      responses:
        "204": {$ref: '#/components/responses/NoContent'}
        "401": {$ref: '#/components/responses/Error'}
        "404": {$ref: '#/components/responses/Error'}
        "409": {$ref: '#/components/responses/Error'}
  /v1/agents:
    post:
      summary: Create an agent
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/AgentInput'}
      responses:
        "201":
          description: Created.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Agent'}
        "400": {$ref: '#/components/responses/Error'}
        "401": {$ref: '#/components/responses/Error'}
        "413": {$ref: '#/components/responses/Error'}
        "422": {$ref: '#/components/responses/Error'}
    get:
      summary: List agents
      parameters:
        - $ref: '#/components/parameters/Limit'
        - $ref: '#/components/parameters/Cursor'
      responses:
        "200":
          description: Agents.
          content:
            application/json:
              schema:
                type: object
                required: [items, nextCursor]
                properties:
                  items: {type: array, items: {$ref: '#/components/schemas/Agent'}}
                  nextCursor: {$ref: '#/components/schemas/NextCursor'}
        "400": {$ref: '#/components/responses/Error'}
        "401": {$ref: '#/components/responses/Error'}
  /v1/agents/{id}:
    parameters:
      - $ref: '#/components/parameters/Id'
    get:
      summary: One agent
      responses:
        "200":
          description: The agent.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Agent'}
        "401": {$ref: '#/components/responses/Error'}
        "404": {$ref: '#/components/responses/Error'}
    put:
      summary: Replace an agent
      requestBody:
        required: true
        content:
          application/json:
            schema: {$ref: '#/components/schemas/AgentInput'}
      responses:
        "200":
          description: Updated.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Agent'}
        "400": {$ref: '#/components/responses/Error'}
        "401": {$ref: '#/components/responses/Error'}
        "404": {$ref: '#/components/responses/Error'}
        "413": {$ref: '#/components/responses/Error'}
        "422": {$ref: '#/components/responses/Error'}
    delete:
      summary: Delete an agent
      responses:
        "204": {$ref: '#/components/responses/NoContent'}
        "401": {$ref: '#/components/responses/Error'}
        "404": {$ref: '#/components/responses/Error'}
  /v1/agents/{id}/tools:
    parameters:
      - $ref: '#/components/parameters/Id'
    get:
      summary: Tool definitions for the agent's in-conversation actions
      responses:
        "200":
          description: OpenAI-style function definitions.
          content:
            application/json:
              schema:
                type: object
                required: [items, nextCursor]
                properties:
                  items: {type: array, items: {$ref: '#/components/schemas/Tool'}}
                  nextCursor: {$ref: '#/components/schemas/NextCursor'}
        "401": {$ref: '#/components/responses/Error'}
        "404": {$ref: '#/components/responses/Error'}
  /v1/conversations:
    post:
      summary: Start a conversation
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [agentId]
              properties:
                id: {type: string, maxLength: 200}
                agentId: {type: string}
      responses:
        "201":
          description: Started.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Conversation'}
        "400": {$ref: '#/components/responses/Error'}
        "401": {$ref: '#/components/responses/Error'}
        "409": {$ref: '#/components/responses/Error'}
        "413": {$ref: '#/components/responses/Error'}
        "422": {$ref: '#/components/responses/Error'}
  /v1/conversations/{id}:
    parameters:
      - $ref: '#/components/parameters/Id'
    get:
      summary: One conversation
      responses:
        "200":
          description: The conversation.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Conversation'}
        "401": {$ref: '#/components/responses/Error'}
        "404": {$ref: '#/components/responses/Error'}
  /v1/conversations/{id}/messages:
    parameters:
      - $ref: '#/components/parameters/Id'
    post:
      summary: Add a message; pushes a text conversation's end
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              required: [role, text]
              properties:
                role: {type: string, enum: [customer, agent]}
                text: {type: string}
                at: {type: string, format: date-time}
      responses:
        "201":
          description: The conversation after the message.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Conversation'}
        "400": {$ref: '#/components/responses/Error'}
        "401": {$ref: '#/components/responses/Error'}
        "404": {$ref: '#/components/responses/Error'}
        "409": {$ref: '#/components/responses/Error'}
        "413": {$ref: '#/components/responses/Error'}
  /v1/conversations/{id}/attributes:
    parameters:
      - $ref: '#/components/parameters/Id'
    patch:
      summary: Merge agent-field values (null removes one)
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              additionalProperties: {type: [string, "null"]}
      responses:
        "200":
          description: The conversation.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Conversation'}
        "400": {$ref: '#/components/responses/Error'}
        "401": {$ref: '#/components/responses/Error'}
        "404": {$ref: '#/components/responses/Error'}
        "413": {$ref: '#/components/responses/Error'}
        "422": {$ref: '#/components/responses/Error'}
  /v1/conversations/{id}/summary:
    parameters:
      - $ref: '#/components/parameters/Id'
    put:
      summary: Set the conversation summary
      requestBody:
        required: true
        content:
          application/json:
            schema:
              type: object
              properties:
                text: {type: [string, "null"]}
      responses:
        "200":
          description: The conversation.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Conversation'}
        "400": {$ref: '#/components/responses/Error'}
        "401": {$ref: '#/components/responses/Error'}
        "404": {$ref: '#/components/responses/Error'}
        "413": {$ref: '#/components/responses/Error'}
  /v1/conversations/{id}/end:
    parameters:
      - $ref: '#/components/parameters/Id'
    post:
      summary: The call ended or the chat closed
      responses:
        "200":
          description: The ended conversation.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Conversation'}
        "401": {$ref: '#/components/responses/Error'}
        "404": {$ref: '#/components/responses/Error'}
  /v1/actions/{id}/runs:
    parameters:
      - $ref: '#/components/parameters/Id'
      - {name: Idempotency-Key, in: header, schema: {type: string, minLength: 1, maxLength: 255}}
    post:
      summary: Run an action now (in conversation), synchronously
      requestBody:
        content:
          application/json:
            schema:
              type: object
              properties:
                conversationId: {type: string}
                fields: {type: object, additionalProperties: {type: string}}
                summary: {type: string}
                dryRun: {type: boolean}
      responses:
        "200":
          description: The finished run (a failed run is reported in its status).
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Run'}
        "400": {$ref: '#/components/responses/Error'}
        "401": {$ref: '#/components/responses/Error'}
        "404": {$ref: '#/components/responses/Error'}
        "409": {$ref: '#/components/responses/Error'}
        "413": {$ref: '#/components/responses/Error'}
        "422": {$ref: '#/components/responses/Error'}
        "503": {$ref: '#/components/responses/Error'}
  /v1/runs:
    get:
      summary: Run history
      parameters:
        - $ref: '#/components/parameters/Limit'
        - $ref: '#/components/parameters/Cursor'
        - {name: conversationId, in: query, schema: {type: string}}
        - {name: actionId, in: query, schema: {type: string}}
        - {name: status, in: query, schema: {type: string, enum: [pending, running, succeeded, failed, waiting_for_account]}}
      responses:
        "200":
          description: Runs, oldest first.
          content:
            application/json:
              schema:
                type: object
                required: [items, nextCursor]
                properties:
                  items: {type: array, items: {$ref: '#/components/schemas/Run'}}
                  nextCursor: {$ref: '#/components/schemas/NextCursor'}
        "400": {$ref: '#/components/responses/Error'}
        "401": {$ref: '#/components/responses/Error'}
  /v1/runs/{id}:
    parameters:
      - $ref: '#/components/parameters/Id'
    get:
      summary: One run
      responses:
        "200":
          description: The run.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Run'}
        "401": {$ref: '#/components/responses/Error'}
        "404": {$ref: '#/components/responses/Error'}
  /v1/runs/{id}/retry:
    parameters:
      - $ref: '#/components/parameters/Id'
    post:
      summary: Retry a failed run
      responses:
        "200":
          description: The run after the new attempt.
          content:
            application/json:
              schema: {$ref: '#/components/schemas/Run'}
        "401": {$ref: '#/components/responses/Error'}
        "404": {$ref: '#/components/responses/Error'}
        "409": {$ref: '#/components/responses/Error'}
        "503": {$ref: '#/components/responses/Error'}
"""#
}
