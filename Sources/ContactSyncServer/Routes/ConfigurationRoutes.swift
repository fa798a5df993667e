import ContactSyncCore
import ContactSyncRuntime
import Hummingbird

/// Templates, agent fields, actions, agents and their tools.
struct ConfigurationRoutes {
    let configuration: ConfigurationService

    func add(to v1: RouterGroup<AppRequestContext>) {
        v1.get("templates") { _, _ in ListView(items: Template.all, nextCursor: nil) }

        v1.get("fields") { _, _ in ListView(items: try await configuration.agentFields(), nextCursor: nil) }
        v1.post("fields") { request, context in
            let body = try await request.decodeJSON(as: AgentFieldBody.self, context: context)
            return created(try await configuration.createAgentField(key: body.key, label: body.label, contactAttribute: body.contactAttribute ?? false))
        }
        v1.delete("fields/{key}") { _, context in
            try await configuration.deleteAgentField(key: try context.parameter("key"))
            return Response(status: .noContent)
        }

        v1.post("actions") { request, context in
            let body = try await request.decodeJSON(as: ActionBody.self, context: context)
            return created(ActionView(stored: try await configuration.createAction(body.action)))
        }
        v1.get("actions") { request, _ in
            let (limit, cursor) = try request.pagination()
            let page = try await configuration.actions(limit: limit, cursor: cursor)
            return ListView(items: page.items.map { ActionView(stored: $0) }, nextCursor: page.nextCursor)
        }
        v1.get("actions/{id}") { _, context in ActionView(stored: try await configuration.action(id: try context.parameter("id"))) }
        v1.put("actions/{id}") { request, context in
            let id = try context.parameter("id")
            let body = try await request.decodeJSON(as: ActionBody.self, context: context)
            return ActionView(stored: try await configuration.updateAction(id: id, body.action))
        }
        v1.delete("actions/{id}") { _, context in
            try await configuration.deleteAction(id: try context.parameter("id"))
            return Response(status: .noContent)
        }

        v1.post("agents") { request, context in
            let body = try await request.decodeJSON(as: AgentBody.self, context: context)
            return created(AgentView(try await configuration.createAgent(
                name: body.name, channel: body.channel, actionIds: body.actionIds ?? [], extraction: body.extraction?.applied(to: ExtractionSettings()) ?? ExtractionSettings())))
        }
        v1.get("agents") { request, _ in
            let (limit, cursor) = try request.pagination()
            let page = try await configuration.agents(limit: limit, cursor: cursor)
            return ListView(items: page.items.map(AgentView.init), nextCursor: page.nextCursor)
        }
        v1.get("agents/{id}") { _, context in AgentView(try await configuration.agent(id: try context.parameter("id"))) }
        v1.put("agents/{id}") { request, context in
            let id = try context.parameter("id")
            let body = try await request.decodeJSON(as: AgentBody.self, context: context)
            let current = try await configuration.agent(id: id).agent.extraction
            return AgentView(try await configuration.updateAgent(
                id: id, name: body.name, channel: body.channel, actionIds: body.actionIds ?? [], extraction: body.extraction?.applied(to: current)))
        }
        v1.delete("agents/{id}") { _, context in
            try await configuration.deleteAgent(id: try context.parameter("id"))
            return Response(status: .noContent)
        }
        v1.get("agents/{id}/tools") { _, context in
            ListView(items: try await configuration.tools(agentId: try context.parameter("id")), nextCursor: nil)
        }
    }
}
