import ContactSyncCore
import ContactSyncRuntime
import Foundation
import Logging
import MCP

/// An HTTP request to an agent's MCP endpoint, as the web framework hands it over.
public struct MCPRequest: Sendable {
    public var method: String
    /// Header names as sent; looked up case-insensitively.
    public var headers: [String: String]
    public var body: Data?
    /// The `conversationId` query parameter, if any.
    public var conversationQuery: String?

    public init(method: String, headers: [String: String], body: Data?, conversationQuery: String?) {
        self.method = method
        self.headers = headers
        self.body = body
        self.conversationQuery = conversationQuery
    }

    func header(_ name: String) -> String? {
        headers.first { $0.key.caseInsensitiveCompare(name) == .orderedSame }?.value
    }
}

/// The endpoint's HTTP answer.
public struct MCPResponse: Sendable {
    public var status: Int
    public var headers: [String: String]
    public var body: Data?
}

/// An agent's MCP endpoint (ARCHITECTURE §7): Streamable HTTP, stateless, JSON answers. Each request
/// gets its own MCP server and transport, so no state (ids, headers) is ever shared between requests. Its
/// tools are the agent's in-conversation actions; calls run them as `POST …/runs` does.
public struct MCPEndpoint: Sendable {
    let configuration: ConfigurationService
    let conversations: ConversationService
    let engine: RunEngine
    /// The Run in the API's shape (ARCHITECTURE §11), as the REST routes encode it.
    let runView: @Sendable (RunRecord) -> any Encodable
    /// Hosts and origins requests may name (DNS-rebinding protection).
    let allowedHosts: [String]
    let allowedOrigins: [String]
    let logger: Logger

    public init(
        configuration: ConfigurationService, conversations: ConversationService, engine: RunEngine, publicURL: String,
        runView: @escaping @Sendable (RunRecord) -> any Encodable, logger: Logger
    ) {
        self.configuration = configuration
        self.conversations = conversations
        self.engine = engine
        self.runView = runView
        self.logger = logger
        let local = OriginValidator.localhost()
        let publicHost = URL(string: publicURL).flatMap { url in url.host.map { host in url.port.map { "\(host):\($0)" } ?? host } }
        let publicOrigin = URL(string: publicURL).flatMap { url in url.scheme.map { "\($0)://\(url.host ?? "")\(url.port.map { ":\($0)" } ?? "")" } }
        // Loopback names without a port (port 80) are local too; DNS rebinding needs a name of the attacker's.
        self.allowedHosts = local.allowedHosts + ["localhost", "127.0.0.1", "[::1]"] + (publicHost.map { [$0] } ?? [])
        self.allowedOrigins = local.allowedOrigins + (publicOrigin.map { [$0] } ?? [])
    }

    /// Answers one HTTP request to the endpoint of `agent`.
    public func handle(agent: Agent, request: MCPRequest) async -> MCPResponse {
        let transport = StatelessHTTPServerTransport(
            validationPipeline: StandardValidationPipeline(validators: [
                OriginValidator(allowedHosts: allowedHosts, allowedOrigins: allowedOrigins),
                AcceptHeaderValidator(mode: .jsonOnly),
                ContentTypeValidator(),
                ProtocolVersionValidator(),
            ]))
        let server = Server(
            name: "contact-sync", version: "0.1.0", title: "contact-sync",
            instructions: "Save the customer's contact details to the CRM when the tool descriptions say so.",
            capabilities: .init(tools: .init(listChanged: false)))
        let binding = ConversationBinding(header: request.header("X-Conversation-Id"), query: request.conversationQuery)
        let body = request.body
        await server.withMethodHandler(ListTools.self) { _ in
            ListTools.Result(tools: try await tools(agent: agent))
        }
        await server.withMethodHandler(CallTool.self) { parameters in
            // Only a tools/call reads its arguments from the body again.
            await call(agent: agent, parameters, binding: binding, sent: SentArguments(body: body))
        }
        do {
            try await server.start(transport: transport)
        } catch {
            logger.error("MCP server did not start", metadata: ["error": "\(error)"])
            return MCPResponse(status: 500, headers: [:], body: nil)
        }
        let answer = await transport.handleRequest(HTTPRequest(method: request.method, headers: request.headers, body: request.body))
        await server.stop()
        return MCPResponse(status: answer.statusCode, headers: answer.headers, body: answer.bodyData)
    }
}
