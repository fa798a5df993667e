import ContactSyncMCP
import ContactSyncRuntime
import Foundation
import HTTPTypes
import Hummingbird

/// How agent platforms reach an agent: its keys and its MCP endpoint (ARCHITECTURE §11, §7).
struct AgentAccessRoutes {
    let configuration: ConfigurationService
    let mcp: MCPEndpoint

    /// Key routes go to `v1` (the admin key's); the MCP endpoint to `mcp` (the agent's own key reaches it too).
    func add(to v1: RouterGroup<AppRequestContext>, mcp: RouterGroup<AppRequestContext>) {
        v1.post("agents/{id}/keys") { _, context in
            let created = try await configuration.createAgentKey(agentId: try context.parameter("id"))
            // The one answer that shows the key: no cache may keep it.
            return EditedResponse(
                status: .created, headers: [.cacheControl: "no-store"],
                response: AgentKeyView(id: created.key.id, key: created.secret, createdAt: created.key.createdAt))
        }
        v1.get("agents/{id}/keys") { _, context in
            ListView(items: try await configuration.agentKeys(agentId: try context.parameter("id")).map {
                AgentKeyView(id: $0.id, key: nil, createdAt: $0.createdAt)
            }, nextCursor: nil)
        }
        v1.delete("agents/{id}/keys/{keyId}") { _, context in
            try await configuration.deleteAgentKey(agentId: try context.parameter("id"), keyId: try context.parameter("keyId"))
            return Response(status: .noContent)
        }
        for method in [HTTPRequest.Method.post, .get, .delete] {
            mcp.on("agents/{id}/mcp", method: method) { request, context in try await endpoint(request, context) }
        }
    }

    /// Hands the request to the agent's MCP endpoint (an unknown agent is 404). The agent is read as tool
    /// calls read it (``ConfigurationService/agentForRun(id:)``); the endpoint reads it afresh to list tools.
    private func endpoint(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        let agent = try await configuration.agentForRun(id: try context.parameter("id"))
        var copy = request
        let body = try await copy.collectBody(upTo: context.maxUploadSize)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.rawName] = field.value }
        // HTTP/1's Host header arrives as the request's authority; the endpoint checks it (DNS rebinding).
        if let authority = request.head.authority { headers["Host"] = authority }
        let answer = await mcp.handle(agent: agent, request: MCPRequest(
            method: request.method.rawValue, headers: headers, body: body.readableBytes == 0 ? nil : Data(body.readableBytesView),
            conversationQuery: request.uri.queryParameters.get("conversationId")))
        var fields = HTTPFields()
        for (name, value) in answer.headers {
            if let key = HTTPField.Name(name) { fields[key] = value }
        }
        return Response(
            status: HTTPResponse.Status(code: answer.status), headers: fields,
            body: answer.body.map { .init(byteBuffer: ByteBuffer(bytes: $0)) } ?? .init())
    }
}

/// An agent key: the key itself only in the answer that creates it.
struct AgentKeyView: ResponseEncodable, Sendable {
    let id: String
    let key: String?
    let createdAt: Date

    enum CodingKeys: String, CodingKey { case id, key, createdAt }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(id, forKey: .id)
        try container.encodeIfPresent(key, forKey: .key)
        try container.encode(createdAt, forKey: .createdAt)
    }
}
