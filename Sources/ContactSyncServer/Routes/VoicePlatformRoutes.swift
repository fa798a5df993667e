import ContactSyncCore
import ContactSyncRuntime
import Foundation
import HTTPTypes
import Hummingbird

/// Voice platforms' webhooks (API.md §6, ARCHITECTURE §13): an agent's platform connection (admin key), its
/// deliveries, and the webhook itself, which takes no key: the platform's signature authenticates it.
struct VoicePlatformRoutes {
    let voice: VoiceWebhooks
    let publicURL: String

    /// The most a delivery may hold.
    static let maxDeliveryBytes = 1 << 20

    func add(to admin: RouterGroup<AppRequestContext>, webhooks router: Router<AppRequestContext>) {
        admin.put("agents/{id}/platform") { request, context in
            let body = try await request.decodeJSON(as: ConnectionBody.self, context: context)
            let agentId = try context.parameter("id")
            guard let platform = VoicePlatform(rawValue: body.platform) else {
                throw APIError.invalidRequest("platform is retell, vapi or elevenlabs.")
            }
            let connection = try await voice.connect(
                agentId: agentId, platform: platform, secret: body.secret, mapping: body.mapping ?? [],
                callerPhoneField: body.callerPhoneField)
            return view(connection)
        }
        admin.get("agents/{id}/platform") { _, context in view(try await voice.connection(agentId: try context.parameter("id"))) }
        admin.delete("agents/{id}/platform") { _, context in
            try await voice.disconnect(agentId: try context.parameter("id"))
            return Response(status: .noContent)
        }
        admin.get("agents/{id}/webhooks/deliveries") { _, context in
            ListView(items: try await voice.deliveries(agentId: try context.parameter("id")), nextCursor: nil)
        }
        router.post("v1/agents/{id}/webhooks/{platform}") { request, context in try await deliver(request, context) }
    }

    private func deliver(_ request: Request, _ context: AppRequestContext) async throws -> Response {
        guard let platform = VoicePlatform(rawValue: try context.parameter("platform")) else {
            throw APIError(status: .notFound, code: .notFound, message: "No voice platform is called that: retell, vapi or elevenlabs.")
        }
        var copy = request
        // A body over 1 MiB answers 413, and nothing of it is kept.
        let buffer = try await copy.collectBody(upTo: Self.maxDeliveryBytes)
        var headers: [String: String] = [:]
        for field in request.headers { headers[field.name.canonicalName] = field.value }
        let receipt = try await voice.receive(
            agentId: try context.parameter("id"), platform: platform, body: Array(buffer.readableBytesView), headers: headers)
        return try DeliveryView(status: receipt.status.rawValue, conversationId: receipt.conversationId).response(from: request, context: context)
    }

    private func view(_ connection: PlatformConnection) -> ConnectionView {
        ConnectionView(
            agentId: connection.agentId, platform: connection.platform.rawValue, mapping: connection.mapping,
            callerPhoneField: connection.callerPhoneField,
            webhookUrl: "\(publicURL)/v1/agents/\(connection.agentId)/webhooks/\(connection.platform.rawValue)",
            createdAt: connection.createdAt, updatedAt: connection.updatedAt)
    }
}

/// `PUT /v1/agents/{id}/platform`.
struct ConnectionBody: Decodable {
    let platform: String
    let secret: String
    let mapping: [PlatformConnection.Mapping]?
    let callerPhoneField: String?
}

/// A platform connection as the API shows it: never its secret.
struct ConnectionView: ResponseEncodable, Sendable {
    let agentId: String
    let platform: String
    let mapping: [PlatformConnection.Mapping]
    let callerPhoneField: String?
    let webhookUrl: String
    let createdAt: Date
    let updatedAt: Date
}

/// What a webhook answers a platform.
struct DeliveryView: ResponseEncodable, Sendable {
    let status: String
    let conversationId: String?
}

extension WebhookDelivery: ResponseEncodable {}
