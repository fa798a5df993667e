import ContactSyncCore
import Foundation
import Hummingbird
import Testing

@Suite("Routes: agent fields, actions, agents, tools")
struct ConfigurationRouteTests {
    static func salesforceAction(_ account: String, name: String = "Save contact to Salesforce", offline: Bool = false) -> String {
        #"{"template":"salesforce.upsert_contact","name":"\#(name)","intent":"Use when the customer shares contact details","offlineSync":\#(offline),"accountId":"\#(account)","allowCreate":true,"allowUpdateExisting":false,"mappings":[{"crmField":"Email","agentField":"email"},{"crmField":"LastName","agentField":"last_name"},{"crmField":"Conversation_Summary__c","agentField":"summary"},{"crmField":"Preferred_Channel__c","agentField":"channel","defaultValue":"Chat"}]}"#
    }

    @Test("agent fields: built-ins, create 201, 409 field_exists, 422 invalid key, 409 in use or built-in, 404")
    func agentFields() async throws {
        try await withServer { api in
            let list = try await api.call(.get, "/v1/fields").items
            #expect(list.compactMap { $0["key"] as? String } == ["email", "first_name", "last_name", "phone", "company", "summary"])
            let created = try await api.call(.post, "/v1/fields", json: #"{"key":"channel","label":"Preferred channel","contactAttribute":true}"#)
            #expect(created.status == .created)
            #expect(created.json?["contactAttribute"] as? Bool == true)
            #expect(created.json?["builtIn"] as? Bool == false)
            #expect(try await api.call(.post, "/v1/fields", json: #"{"key":"channel"}"#).errorCode == "field_exists")
            #expect(try await api.call(.post, "/v1/fields", json: #"{"key":"email"}"#).errorCode == "field_exists")
            #expect(try await api.call(.post, "/v1/fields", json: #"{"key":"Bad Key"}"#).errorCode == "invalid_field_key")
            let account = try await api.emulatorAccount(.salesforce)
            let action = try await api.call(.post, "/v1/actions", json: Self.salesforceAction(account))
            #expect(action.status == .created)
            #expect(try await api.call(.delete, "/v1/fields/channel").errorCode == "field_in_use")
            #expect(try await api.call(.delete, "/v1/fields/email").errorCode == "field_built_in")
            #expect(try await api.call(.delete, "/v1/actions/\(action.string("id")!)").status == .noContent)
            #expect(try await api.call(.delete, "/v1/fields/channel").status == .noContent)
            #expect(try await api.call(.delete, "/v1/fields/channel").status == .notFound)
        }
    }

    @Test("actions: create, read, list, replace, delete; the shape of the OpenAPI document")
    func actionLifecycle() async throws {
        try await withServer { api in
            _ = try await api.call(.post, "/v1/fields", json: #"{"key":"channel"}"#)
            let account = try await api.emulatorAccount(.salesforce)
            let created = try await api.call(.post, "/v1/actions", json: Self.salesforceAction(account))
            #expect(created.status == .created)
            let id = try #require(created.string("id"))
            #expect(id.hasPrefix("act_"))
            #expect(created.json?["allowCreate"] as? Bool == true)
            #expect(created.json?["enabled"] as? Bool == true)
            let mappings = created.json?["mappings"] as? [[String: Any]]
            #expect(mappings?.last?["defaultValue"] as? String == "Chat")
            #expect(mappings?.first?["defaultValue"] is NSNull)
            #expect(try await api.call(.get, "/v1/actions/\(id)").string("name") == "Save contact to Salesforce")
            #expect(try await api.call(.get, "/v1/actions").items.count == 1)
            let replaced = try await api.call(.put, "/v1/actions/\(id)", json: Self.salesforceAction(account, name: "Renamed", offline: true))
            #expect(replaced.status == .ok)
            #expect(replaced.string("name") == "Renamed")
            #expect(replaced.json?["offlineSync"] as? Bool == true)
            #expect(try await api.call(.put, "/v1/actions/act_nope", json: Self.salesforceAction(account)).status == .notFound)
            #expect(try await api.call(.get, "/v1/actions/act_nope").status == .notFound)
            #expect(try await api.call(.delete, "/v1/actions/\(id)").status == .noContent)
            #expect(try await api.call(.delete, "/v1/actions/\(id)").status == .notFound)
        }
    }

    @Test("an invalid action is 422 invalid_action with every problem listed")
    func invalidAction() async throws {
        try await withServer { api in
            let salesforce = try await api.emulatorAccount(.salesforce)
            let body = #"{"template":"salesforce.upsert_contact","name":"Bad","intent":"x","accountId":"\#(salesforce)","mappings":[{"crmField":"Birthdate","agentField":"email"},{"crmField":"Name","agentField":"first_name"},{"crmField":"Display_Label__c","agentField":"phone"},{"crmField":"Foo__c","agentField":"nope"},{"crmField":"Birthdate","agentField":"company"}]}"#
            let answer = try await api.call(.post, "/v1/actions", json: body)
            #expect(answer.status == .unprocessableContent)
            #expect(answer.errorCode == "invalid_action")
            let codes = answer.details.map { "\($0["code"] as? String ?? "")/\($0["crmField"] as? String ?? $0["agentField"] as? String ?? "")" }
            #expect(codes == [
                "field_not_mappable/Birthdate", "field_not_mappable/Name", "field_not_mappable/Display_Label__c", "unknown_crm_field/Foo__c",
                "unknown_agent_field/Foo__c", "duplicate_crm_field/Birthdate", "required_mapping_missing/Email", "required_mapping_missing/LastName",
            ])
            #expect(answer.details.first?["reason"] as? String == "unsupported_type")
            let hubspot = try await api.emulatorAccount(.hubspot)
            let mismatch = #"{"template":"salesforce.upsert_contact","name":"M","intent":"x","accountId":"\#(hubspot)","mappings":[]}"#
            #expect(try await api.call(.post, "/v1/actions", json: mismatch).details.contains { $0["code"] as? String == "template_crm_mismatch" })
            let noAccount = #"{"template":"hubspot.upsert_contact","name":"M","intent":"x","accountId":"acc_nope","mappings":[{"crmField":"email","agentField":"email"}]}"#
            #expect(try await api.call(.post, "/v1/actions", json: noAccount).details.map { $0["code"] as? String } == ["account_not_found"])
        }
    }

    @Test("agents: create, read, replace, delete; unknown actions are 422 invalid_agent; tools for in-conversation actions")
    func agentsAndTools() async throws {
        try await withServer { api in
            _ = try await api.call(.post, "/v1/fields", json: #"{"key":"channel","label":"Preferred channel"}"#)
            let account = try await api.emulatorAccount(.salesforce)
            let live = try #require(try await api.call(.post, "/v1/actions", json: Self.salesforceAction(account)).string("id"))
            let offline = try #require(try await api.call(.post, "/v1/actions", json: Self.salesforceAction(account, name: "Sync after chat", offline: true)).string("id"))
            let created = try await api.call(.post, "/v1/agents", json: #"{"name":"Website chat","channel":"text","actionIds":["\#(live)","\#(offline)"]}"#)
            #expect(created.status == .created)
            let agent = try #require(created.string("id"))
            #expect(created.json?["actionIds"] as? [String] == [live, offline])
            let bad = try await api.call(.post, "/v1/agents", json: #"{"name":"X","channel":"voice","actionIds":["act_nope"]}"#)
            #expect(bad.errorCode == "invalid_agent")
            #expect(bad.details.first?["actionId"] as? String == "act_nope")
            #expect(try await api.call(.post, "/v1/agents", json: #"{"name":"X","channel":"fax"}"#).errorCode == "invalid_request")

            let tools = try await api.call(.get, "/v1/agents/\(agent)/tools").items
            #expect(tools.count == 1)
            let function = try #require(tools.first?["function"] as? [String: Any])
            #expect(tools.first?["type"] as? String == "function")
            #expect(function["name"] as? String == "save_contact_to_salesforce")
            #expect(function["description"] as? String == "Use when the customer shares contact details")
            let parameters = try #require(function["parameters"] as? [String: Any])
            #expect(Set((parameters["properties"] as? [String: Any])?.keys.map { $0 } ?? []) == ["email", "last_name", "summary", "channel"])
            #expect(parameters["required"] as? [String] == ["email", "last_name"])
            #expect(((parameters["properties"] as? [String: Any])?["channel"] as? [String: Any])?["description"] as? String == "Preferred channel")

            #expect(try await api.call(.delete, "/v1/actions/\(live)").errorCode == "action_in_use")
            let replaced = try await api.call(.put, "/v1/agents/\(agent)", json: #"{"name":"Phone line","channel":"voice","actionIds":[]}"#)
            #expect(replaced.string("channel") == "voice")
            #expect(try await api.call(.get, "/v1/agents/\(agent)/tools").items.isEmpty)
            #expect(try await api.call(.get, "/v1/agents").items.count == 1)
            #expect(try await api.call(.delete, "/v1/agents/\(agent)").status == .noContent)
            #expect(try await api.call(.get, "/v1/agents/\(agent)").status == .notFound)
            #expect(try await api.call(.get, "/v1/agents/\(agent)/tools").status == .notFound)
        }
    }
}
