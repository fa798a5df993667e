import ContactSyncCore
import ContactSyncStore
import Foundation
import Logging

/// Fills values and a summary the platform did not supply from the conversation's transcript (ARCHITECTURE §9):
/// the rules first, then, for an agent in `model` mode with a model configured, the model for the other
/// fields and the summary. When the model fails, the rules' values still apply.
public struct ConversationIntelligence: Sendable {
    let repositories: Repositories
    let model: ModelExtractor?
    let logger: Logger

    public init(repositories: Repositories, model: ModelExtractor?, logger: Logger) {
        self.repositories = repositories
        self.model = model
        self.logger = logger
    }

    /// What the transcript of `conversation` gives for `wanted` agent fields (and the summary, when `needsSummary`).
    func extract(conversation: Conversation, settings: ExtractionSettings, wanted: Set<String>, labels: [String: String], needsSummary: Bool) async throws -> Extraction {
        let usesModel = settings.mode == .model && model != nil
        // Without a model only the rules' fields can be filled, and no summary.
        guard settings.mode != .off, usesModel ? (!wanted.isEmpty || needsSummary) : !wanted.isDisjoint(with: RuleExtractor.fields) else {
            return Extraction()
        }
        let messages = try await repositories.conversations.messages(conversationId: conversation.id).map { TranscriptMessage(role: $0.role, text: $0.text) }
        guard messages.contains(where: \.isCustomer) else { return Extraction() }
        let country = settings.defaultCountry
        var extraction = try await UntrustedText.process { isCancelled in
            RuleExtractor.extract(messages, wanted: wanted, defaultCountry: country, isCancelled: isCancelled)
        }
        guard usesModel, let model else { return extraction }
        let remaining = wanted.subtracting(extraction.values.keys).subtracting(ModelExtractor.neverFromModel)
        let summary = needsSummary && settings.generateSummary
        guard !remaining.isEmpty || summary else { return extraction }
        do {
            let fields = remaining.sorted().map { ModelExtractor.Field(key: $0, label: labels[$0] ?? $0) }
            extraction.merge(try await model.extract(messages, fields: fields, summary: summary))
        } catch {
            logger.warning("model extraction failed; the rules' values apply", metadata: ["conversation_id": "\(conversation.id)", "error": "\(error)"])
        }
        return extraction
    }
}
