import ContactSyncCore
import Foundation
import Hummingbird

/// `{"items":[…],"nextCursor":null|"…"}`.
struct ListView<Item: Encodable & Sendable>: ResponseEncodable, Sendable {
    let items: [Item]
    let nextCursor: String?

    enum CodingKeys: String, CodingKey { case items, nextCursor }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(items, forKey: .items)
        try container.encode(nextCursor, forKey: .nextCursor)
    }
}

/// A connected account as the API shows it: never its credentials.
struct AccountView: ResponseEncodable, Sendable {
    let id: String
    let crm: CRM
    let name: String
    let status: AccountStatus
    let baseURL: String?
    let emulator: Bool
    let createdAt: Date

    init(_ record: AccountRecord) {
        (id, crm, name, status, baseURL, emulator, createdAt) = (record.id, record.crm, record.name, record.status, record.baseURL, record.emulator, record.createdAt)
    }

    enum CodingKeys: String, CodingKey { case id, crm, name, status, baseURL, emulator, createdAt }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encode(crm, forKey: .crm)
        try container.encode(name, forKey: .name)
        try container.encode(status, forKey: .status)
        try container.encode(baseURL, forKey: .baseURL)
        try container.encode(emulator, forKey: .emulator)
        try container.encode(createdAt, forKey: .createdAt)
    }
}

/// `POST /v1/accounts`.
struct AccountBody: Decodable, Sendable {
    let crm: CRM
    let name: String?
    let emulator: Bool?
    let accessToken: String?
    let baseURL: String?
    let instanceURL: String?
    let refreshToken: String?
    let clientId: String?
    let clientSecret: String?
    let loginURL: String?
}

/// A CRM contact field with whether it can be mapped and, if not, why.
struct CRMFieldView: ResponseEncodable, Sendable {
    let field: CRMField
    let crm: CRM

    enum CodingKeys: String, CodingKey {
        case name, label, type, fieldType, length, requiredOnCreate, mappable, reason, custom, picklistValues, restrictedPicklist, createable, updateable, calculated
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let reason = field.notMappableReason(in: crm)
        try container.encode(field.name, forKey: .name)
        try container.encode(field.label, forKey: .label)
        try container.encode(field.type, forKey: .type)
        try container.encode(field.fieldType, forKey: .fieldType)
        try container.encode(field.length, forKey: .length)
        try container.encode(field.requiredOnCreate, forKey: .requiredOnCreate)
        try container.encode(reason == nil, forKey: .mappable)
        try container.encode(reason?.rawValue, forKey: .reason)
        try container.encode(field.custom, forKey: .custom)
        try container.encode(field.picklistValues, forKey: .picklistValues)
        try container.encode(field.restrictedPicklist, forKey: .restrictedPicklist)
        try container.encode(field.createable, forKey: .createable)
        try container.encode(field.updateable, forKey: .updateable)
        try container.encode(field.calculated, forKey: .calculated)
    }
}

/// `POST /v1/fields`.
struct AgentFieldBody: Decodable, Sendable {
    let key: String
    let label: String?
    let contactAttribute: Bool?
}

extension AgentField: ResponseEncodable {}
extension ToolDefinition: ResponseEncodable {}

/// An action as the API shows it.
struct ActionView: ResponseEncodable, Sendable {
    let stored: StoredAction

    enum CodingKeys: String, CodingKey {
        case id, template, name, intent, offlineSync, accountId, allowCreate, allowUpdateExisting, enabled, mappings, createdAt, toolName, match, logAs
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let action = stored.action
        try container.encode(action.id, forKey: .id)
        try container.encode(action.template, forKey: .template)
        try container.encode(action.name, forKey: .name)
        try container.encode(action.intent, forKey: .intent)
        try container.encode(action.offlineSync, forKey: .offlineSync)
        try container.encode(action.accountId, forKey: .accountId)
        try container.encode(action.allowCreate, forKey: .allowCreate)
        try container.encode(action.allowUpdateExisting, forKey: .allowUpdateExisting)
        try container.encode(action.enabled, forKey: .enabled)
        try container.encode(action.mappings.map(MappingView.init), forKey: .mappings)
        try container.encode(stored.createdAt, forKey: .createdAt)
        try container.encode(action.toolName, forKey: .toolName)
        try container.encode(action.match.rawValue, forKey: .match)
        try container.encode((action.logAs ?? Template.named(action.template).map { ActivityLog.standard(for: $0.crm) })?.rawValue, forKey: .logAs)
    }

    struct MappingView: Encodable {
        let mapping: FieldMapping
        enum CodingKeys: String, CodingKey { case crmField, agentField, defaultValue }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(mapping.crmField, forKey: .crmField)
            try container.encode(mapping.agentField, forKey: .agentField)
            try container.encode(mapping.defaultValue, forKey: .defaultValue)
        }
    }
}

/// `POST /v1/actions` and `PUT /v1/actions/{id}`: the action without id and createdAt.
struct ActionBody: Decodable, Sendable {
    let template: String
    let name: String
    let intent: String?
    let offlineSync: Bool?
    let accountId: String
    let allowCreate: Bool?
    let allowUpdateExisting: Bool?
    let enabled: Bool?
    let mappings: [FieldMapping]
    /// Optional: derived from the name on create; kept as it is on update unless given.
    let toolName: String?
    /// `email` (the default) or `email_then_phone`.
    let match: ContactMatchMode?
    /// HubSpot `note` (default) or `call`; Salesforce `summary_field` (default) or `task`.
    let logAs: ActivityLog?

    /// Defaults: in-conversation, creating allowed, existing fields left alone, enabled, matched by email.
    var action: Action {
        Action(
            id: "", template: template, name: name.trimmed, intent: intent?.trimmed ?? "", offlineSync: offlineSync ?? false,
            accountId: accountId, allowCreate: allowCreate ?? true, allowUpdateExisting: allowUpdateExisting ?? false,
            enabled: enabled ?? true, mappings: mappings, toolName: toolName ?? "", match: match ?? .email, logAs: logAs)
    }
}

/// An agent as the API shows it.
struct AgentView: ResponseEncodable, Sendable {
    let id: String
    let name: String
    let channel: AgentChannel
    let actionIds: [String]
    let extraction: ExtractionSettings
    let createdAt: Date

    init(_ stored: StoredAgent) {
        (id, name, channel, actionIds, extraction, createdAt) = (
            stored.agent.id, stored.agent.name, stored.agent.channel, stored.agent.actionIds, stored.agent.extraction, stored.createdAt
        )
    }
}

/// `POST /v1/agents` and `PUT /v1/agents/{id}`.
struct AgentBody: Decodable, Sendable {
    let name: String
    let channel: AgentChannel
    let actionIds: [String]?
    let extraction: ExtractionBody?
}

/// An agent's `extraction` as sent: every part optional (defaults on create, unchanged on update).
struct ExtractionBody: Decodable, Sendable {
    let mode: ExtractionSettings.Mode?
    let defaultCountry: String?
    let generateSummary: Bool?

    func applied(to base: ExtractionSettings) -> ExtractionSettings {
        ExtractionSettings(mode: mode ?? base.mode, defaultCountry: defaultCountry?.uppercased() ?? base.defaultCountry, generateSummary: generateSummary ?? base.generateSummary)
    }
}

/// `GET /v1/templates` items.
extension Template: ResponseEncodable {}
