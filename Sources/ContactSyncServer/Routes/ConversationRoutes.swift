import ContactSyncCore
import ContactSyncRuntime
import Foundation
import Hummingbird

extension HTTPFields.Key {
    static var idempotencyKey: Self { Self("Idempotency-Key")! }
}

/// Conversations and runs.
struct ConversationRoutes {
    let conversations: ConversationService
    let engine: RunEngine
    let now: @Sendable () -> Date
    /// Lets offline sync start at once.
    let conversationEnded: @Sendable () -> Void

    /// Conversation routes go to `conversations` (agent keys reach them for their own agent's
    /// conversations); run routes to `runs` (the admin key's).
    func add(conversations v1: RouterGroup<AppRequestContext>, runs: RouterGroup<AppRequestContext>) {
        v1.post("conversations") { request, context in
            let body = try await request.decodeJSON(as: ConversationBody.self, context: context)
            try allow(context, agentId: body.agentId)
            return created(ConversationView(conversation: try await conversations.start(id: body.id, agentId: body.agentId), now: now()))
        }
        v1.get("conversations/{id}") { _, context in
            let conversation = try await conversations.conversation(id: try context.parameter("id"))
            try allow(context, conversation: conversation)
            return ConversationView(conversation: conversation, now: now())
        }
        v1.post("conversations/{id}/messages") { request, context in
            let id = try await ownConversation(context)
            let body = try await request.decodeJSON(as: MessageBody.self, context: context)
            return created(ConversationView(conversation: try await conversations.addMessage(conversationId: id, role: body.role, text: body.text, at: body.at), now: now()))
        }
        v1.patch("conversations/{id}/attributes") { request, context in
            let id = try await ownConversation(context)
            let body = try await request.decodeJSON(as: [String: String?].self, context: context)
            let updated = try await conversations.mergeAttributes(conversationId: id, body, scope: context.rememberingScope)
            if updated.dispatchedAt != nil { conversationEnded() }
            return ConversationView(conversation: updated, now: now())
        }
        v1.put("conversations/{id}/summary") { request, context in
            let id = try await ownConversation(context)
            let body = try await request.decodeJSON(as: SummaryBody.self, context: context)
            let updated = try await conversations.setSummary(conversationId: id, text: body.text)
            if updated.dispatchedAt != nil { conversationEnded() }
            return ConversationView(conversation: updated, now: now())
        }
        v1.post("conversations/{id}/end") { request, context in
            var copy = request
            let buffer = try await copy.collectBody(upTo: context.maxUploadSize)
            let body = buffer.readableBytes == 0 ? EndBody() : try context.requestDecoder.decode(EndBody.self, from: Data(buffer.readableBytesView))
            let ended = try await conversations.end(
                conversationId: try await ownConversation(context), summary: body.summary, attributes: body.attributes ?? [:], call: body.call,
                scope: context.rememberingScope)
            conversationEnded()
            return ConversationView(conversation: ended, now: now())
        }

        runs.post("actions/{id}/runs") { request, context in
            let actionId = try context.parameter("id")
            var copy = request
            let buffer = try await copy.collectBody(upTo: context.maxUploadSize)
            let body = buffer.readableBytes == 0 ? RunBody() : try context.requestDecoder.decode(RunBody.self, from: Data(buffer.readableBytesView))
            let key = request.headers[.idempotencyKey]
            if let key, key.isEmpty || key.count > 255 { throw APIError.invalidRequest("Idempotency-Key must have 1 to 255 characters.") }
            if let key, !ClientIdentifier.isPrintable(key) { throw ServiceError.invalidId("An Idempotency-Key") }
            let run = try await engine.run(RunEngine.Request(
                actionId: actionId, conversationId: body.conversationId, input: RunInput(fields: body.fields ?? [:], summary: body.summary),
                dryRun: body.dryRun ?? false, idempotencyKey: key))
            return RunView(run: run)
        }
        runs.get("runs") { request, _ in
            let (limit, cursor) = try request.pagination()
            var filter = RunFilter()
            // Hummingbird decodes query parameters already: decoding again would turn `%25` into something else.
            filter.conversationId = request.uri.queryParameters.get("conversationId")
            filter.actionId = request.uri.queryParameters.get("actionId")
            if let status = request.uri.queryParameters.get("status") {
                guard let value = RunStatus(rawValue: status) else { throw APIError.invalidRequest("status must be one of \(RunStatus.allCases.map(\.rawValue).joined(separator: ", ")).") }
                filter.status = value
            }
            let page = try await engine.runs(filter, limit: limit, cursor: cursor)
            return ListView(items: page.items.map(RunView.init), nextCursor: page.nextCursor)
        }
        runs.get("runs/{id}") { _, context in RunView(run: try await engine.run(id: try context.parameter("id"))) }
        runs.post("runs/{id}/retry") { _, context in RunView(run: try await engine.retry(runId: try context.parameter("id"))) }
    }

    /// An agent key may touch only its own agent's conversations; another agent's answers exactly as a
    /// missing one does, so a key cannot learn which ids exist.
    private func allow(_ context: AppRequestContext, conversation: Conversation) throws {
        if case .agent(let own)? = context.caller, own != conversation.agentId { throw ServiceError.notFound("Conversation \(conversation.id)") }
    }

    /// An agent key starts conversations for its own agent only.
    private func allow(_ context: AppRequestContext, agentId: String) throws {
        if case .agent(let own)? = context.caller, own != agentId {
            throw APIError(status: .forbidden, code: .forbidden, message: "This agent key does not open that agent's conversations.")
        }
    }

    /// The path's conversation id, once an agent key's caller is known to own the conversation.
    private func ownConversation(_ context: AppRequestContext) async throws -> String {
        let id = try context.parameter("id")
        if case .agent? = context.caller { try allow(context, conversation: try await conversations.conversation(id: id)) }
        return id
    }
}

extension AppRequestContext {
    /// Who may read contact attributes this request remembers: every agent for the admin key, only its own
    /// agent for an agent key.
    var rememberingScope: String {
        if case .agent(let agentId)? = caller { return agentId }
        return RememberedFor.everyone
    }
}
