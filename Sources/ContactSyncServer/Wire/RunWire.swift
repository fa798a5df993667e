import ContactSyncCore
import Foundation
import Hummingbird

/// A conversation as the API shows it; `status` and `endedAt` are as of the answer.
struct ConversationView: ResponseEncodable, Sendable {
    let conversation: Conversation
    let now: Date

    enum CodingKeys: String, CodingKey {
        case id, agentId, channel, status, startedAt, lastMessageAt, endsAt, endedAt, attributes, summary, messageCount
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(conversation.id, forKey: .id)
        try container.encode(conversation.agentId, forKey: .agentId)
        try container.encode(conversation.channel, forKey: .channel)
        try container.encode(conversation.hasEnded(at: now) ? "ended" : "open", forKey: .status)
        try container.encode(conversation.startedAt, forKey: .startedAt)
        try container.encode(conversation.lastMessageAt, forKey: .lastMessageAt)
        try container.encode(conversation.endsAt, forKey: .endsAt)
        try container.encode(conversation.endTime(at: now), forKey: .endedAt)
        try container.encode(conversation.attributes, forKey: .attributes)
        try container.encode(conversation.summary, forKey: .summary)
        try container.encode(conversation.messageCount, forKey: .messageCount)
    }
}

struct ConversationBody: Decodable, Sendable {
    let id: String?
    let agentId: String
}

struct MessageBody: Decodable, Sendable {
    let role: String
    let text: String
    let at: Date?
}

struct SummaryBody: Decodable, Sendable {
    let text: String?
}

/// `POST /v1/conversations/{id}/end`: optional final values, applied before the end.
struct EndBody: Decodable, Sendable {
    var summary: String?
    var attributes: [String: String?]?
    /// What is known of the call: direction, start, duration, the numbers.
    var call: CallFacts?
}

/// `POST /v1/actions/{id}/runs`; every field is optional.
struct RunBody: Decodable, Sendable {
    var conversationId: String?
    var fields: [String: String]?
    var summary: String?
    var dryRun: Bool?
}

/// A run as the API shows it.
struct RunView: ResponseEncodable, Sendable {
    let run: RunRecord

    enum CodingKeys: String, CodingKey {
        case id, actionId, conversationId, trigger, status, outcome, reason, dryRun, reasonDetail, crmRecordId, crmRecordURL, noteId
        case fieldsWritten, fieldsSkipped, warnings, error, crmCalls, roundTrips, crmWaitMs, attempts, createdAt, startedAt, finishedAt, nextAttemptAt
        case valueSources, evidence, matchedBy, activityId
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        let result = run.result
        try container.encode(run.id, forKey: .id)
        try container.encode(run.actionId, forKey: .actionId)
        try container.encode(run.conversationId, forKey: .conversationId)
        try container.encode(run.trigger, forKey: .trigger)
        try container.encode(run.status, forKey: .status)
        try container.encode(result?.outcome, forKey: .outcome)
        try container.encode(result?.reason, forKey: .reason)
        try container.encode(run.dryRun, forKey: .dryRun)
        try container.encode(result?.reasonDetail, forKey: .reasonDetail)
        try container.encode(result?.crmRecordId, forKey: .crmRecordId)
        try container.encode(result?.crmRecordURL, forKey: .crmRecordURL)
        try container.encode(result?.noteId, forKey: .noteId)
        try container.encode(result?.fieldsWritten ?? [], forKey: .fieldsWritten)
        try container.encode((result?.fieldsSkipped ?? []).map(SkipView.init), forKey: .fieldsSkipped)
        try container.encode((result?.warnings ?? []).map(WarningView.init), forKey: .warnings)
        try container.encode(result?.error.map(ErrorView.init), forKey: .error)
        try container.encode(result?.crmCalls ?? 0, forKey: .crmCalls)
        try container.encode(result?.roundTrips ?? 0, forKey: .roundTrips)
        try container.encode(result?.crmWaitMs ?? 0, forKey: .crmWaitMs)
        try container.encode(run.attempts, forKey: .attempts)
        try container.encode(run.createdAt, forKey: .createdAt)
        try container.encode(run.startedAt, forKey: .startedAt)
        try container.encode(run.finishedAt, forKey: .finishedAt)
        try container.encode(run.status == .pending ? run.nextAttemptAt : nil, forKey: .nextAttemptAt)
        try container.encode(result?.valueSources ?? [:], forKey: .valueSources)
        try container.encode(result?.evidence ?? [], forKey: .evidence)
        try container.encode(result?.matchedBy?.rawValue, forKey: .matchedBy)
        try container.encode(result?.activityId, forKey: .activityId)
    }

    struct SkipView: Encodable {
        let skip: SkippedField
        enum CodingKeys: String, CodingKey { case crmField, reason, detail }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(skip.crmField, forKey: .crmField)
            try container.encode(skip.reason, forKey: .reason)
            try container.encode(skip.detail, forKey: .detail)
        }
    }

    struct WarningView: Encodable {
        let warning: RunWarning
        enum CodingKeys: String, CodingKey { case code, message, field, ids }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(warning.code, forKey: .code)
            try container.encode(warning.message, forKey: .message)
            try container.encodeIfPresent(warning.field, forKey: .field)
            try container.encodeIfPresent(warning.ids, forKey: .ids)
        }
    }

    struct ErrorView: Encodable {
        let failure: RunFailure
        enum CodingKeys: String, CodingKey { case code, message, crmCode, retryable }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(failure.code, forKey: .code)
            try container.encode(failure.message, forKey: .message)
            try container.encode(failure.crmCode, forKey: .crmCode)
            try container.encode(failure.retryable, forKey: .retryable)
        }
    }
}
