import Foundation

/// What started a run.
public enum RunTrigger: String, Sendable, Hashable, Codable {
    /// The agent called the action during the conversation.
    case inConversation = "in_conversation"
    /// The conversation ended and the action syncs it once.
    case offline
    /// A summary or attribute change that arrived after the offline run was dispatched.
    case followUp = "follow_up"
}

/// Where a run stands.
public enum RunStatus: String, Sendable, Hashable, Codable, CaseIterable {
    case pending, running, succeeded, failed
    /// The account must be connected again; the run resumes when it is.
    case waitingForAccount = "waiting_for_account"
}

/// What a run was asked to write.
public struct RunInput: Sendable, Hashable, Codable {
    public var fields: [String: String]
    public var summary: String?

    public init(fields: [String: String] = [:], summary: String? = nil) {
        self.fields = fields
        self.summary = summary
    }
}

/// Why a run failed, with the CRM's own code kept.
public struct RunFailure: Sendable, Hashable, Codable {
    /// `crm_rejected`, `crm_unavailable`, `reconnect_required`, `daily_limit_exceeded`, ….
    public var code: String
    public var message: String
    public var crmCode: String?
    public var retryable: Bool

    public init(code: String, message: String, crmCode: String?, retryable: Bool) {
        self.code = code
        self.message = message
        self.crmCode = crmCode
        self.retryable = retryable
    }

    /// The run's action was deleted, or its template is unknown.
    public static let actionNotFound = RunFailure(code: "action_not_found", message: "The action no longer exists.", crmCode: nil, retryable: false)
    /// The tool called is no longer the run's action (changed elsewhere: turned off, renamed, made offline, or
    /// taken from the agent).
    public static let toolNotOffered = RunFailure(code: "tool_not_offered", message: "The agent no longer offers this tool.", crmCode: nil, retryable: false)

    /// Whether the cause passes by itself (the CRM unavailable or rate-limited, the customer busy, …), so
    /// the run is tried again without anyone's help. A disconnected account waits for an operator instead.
    public var isTransient: Bool { retryable && code != "reconnect_required" }
}

/// What a finished run did.
public struct RunResult: Sendable, Hashable, Codable {
    public var outcome: RunOutcome?
    public var reason: SkipReason?
    public var reasonDetail: String?
    public var crmRecordId: String?
    public var crmRecordURL: String?
    public var noteId: String?
    public var fieldsWritten: [String]
    public var fieldsSkipped: [SkippedField]
    public var warnings: [RunWarning]
    public var error: RunFailure?
    /// CRM calls made, retries included.
    public var crmCalls: Int
    /// CRM calls that had to happen one after another.
    public var roundTrips: Int
    /// Time spent waiting on the CRM, in milliseconds.
    public var crmWaitMs: Double
    /// For a run carried out in a batch: how many runs shared the batch's CRM calls (`crmCalls` counts them all).
    public var batchSize: Int?
    /// Where each mapped CRM field's value came from (`run_input`, `conversation`, `extracted`,
    /// `contact_attribute`, `default`).
    public var valueSources: [String: String]?
    /// For extracted values: the customer message each was taken from.
    public var evidence: [Evidence]?
    /// How the contact was found: by `email` or by `phone`; nil when none was (a create, or a follow-up's contact).
    public var matchedBy: ContactFoundBy?
    /// The HubSpot Call or Salesforce Task the conversation is logged as, when the action logs one.
    public var activityId: String?

    public init(
        outcome: RunOutcome? = nil, reason: SkipReason? = nil, reasonDetail: String? = nil, crmRecordId: String? = nil,
        crmRecordURL: String? = nil, noteId: String? = nil, fieldsWritten: [String] = [], fieldsSkipped: [SkippedField] = [],
        warnings: [RunWarning] = [], error: RunFailure? = nil, crmCalls: Int = 0, roundTrips: Int = 0, crmWaitMs: Double = 0
    ) {
        self.outcome = outcome
        self.reason = reason
        self.reasonDetail = reasonDetail
        self.crmRecordId = crmRecordId
        self.crmRecordURL = crmRecordURL
        self.noteId = noteId
        self.fieldsWritten = fieldsWritten
        self.fieldsSkipped = fieldsSkipped
        self.warnings = warnings
        self.error = error
        self.crmCalls = crmCalls
        self.roundTrips = roundTrips
        self.crmWaitMs = crmWaitMs
    }
}

/// What is known of a call: from `POST …/end` or a voice platform's webhook. A conversation without them logs
/// what it has.
public struct CallFacts: Sendable, Hashable, Codable {
    /// `inbound` or `outbound`.
    public var direction: String?
    public var startedAt: Date?
    public var durationSeconds: Int?
    /// The caller's and the callee's numbers.
    public var from: String?
    public var to: String?

    public init(direction: String? = nil, startedAt: Date? = nil, durationSeconds: Int? = nil, from: String? = nil, to: String? = nil) {
        self.direction = direction
        self.startedAt = startedAt
        self.durationSeconds = durationSeconds
        self.from = from
        self.to = to
    }
}

/// One execution of one action for one conversation.
public struct RunRecord: Sendable, Hashable, Identifiable {
    public var id: String
    public var actionId: String
    public var conversationId: String?
    public var trigger: RunTrigger
    public var status: RunStatus
    public var dryRun: Bool
    public var input: RunInput
    public var idempotencyKey: String?
    /// Identifies the request an idempotency key was first used with.
    public var requestHash: String?
    public var result: RunResult?
    public var attempts: Int
    public var createdAt: Date
    public var startedAt: Date?
    public var finishedAt: Date?
    /// The account an offline run writes to (its batch key).
    public var accountId: String?
    /// When a pending run is tried next.
    public var nextAttemptAt: Date?
    /// When its retry window began: its first failed try since it could run (waiting for an account or a
    /// customer's turn does not count). Nil before that.
    public var retryWindowFrom: Date?
    /// When an attempt of this run first sent a create to the CRM (recorded before sending). Only then can a
    /// later attempt take a contact it finds for its own lost create.
    public var createSentAt: Date?

    public init(
        id: String, actionId: String, conversationId: String?, trigger: RunTrigger, status: RunStatus, dryRun: Bool, input: RunInput,
        idempotencyKey: String? = nil, requestHash: String? = nil, result: RunResult? = nil, attempts: Int = 0, createdAt: Date,
        startedAt: Date? = nil, finishedAt: Date? = nil, accountId: String? = nil, nextAttemptAt: Date? = nil, retryWindowFrom: Date? = nil,
        createSentAt: Date? = nil
    ) {
        self.retryWindowFrom = retryWindowFrom
        self.createSentAt = createSentAt
        self.accountId = accountId
        self.nextAttemptAt = nextAttemptAt
        self.id = id
        self.actionId = actionId
        self.conversationId = conversationId
        self.trigger = trigger
        self.status = status
        self.dryRun = dryRun
        self.input = input
        self.idempotencyKey = idempotencyKey
        self.requestHash = requestHash
        self.result = result
        self.attempts = attempts
        self.createdAt = createdAt
        self.startedAt = startedAt
        self.finishedAt = finishedAt
    }
}

/// A conversation between an agent and a customer.
public struct Conversation: Sendable, Hashable {
    public var id: String
    public var agentId: String
    public var channel: AgentChannel
    public var startedAt: Date
    public var lastMessageAt: Date?
    /// When the conversation ends unless something pushes it (text: the last message plus the idle time).
    public var endsAt: Date?
    /// When it ended explicitly.
    public var endedAt: Date?
    public var attributes: [String: String]
    public var summary: String?
    public var messageCount: Int
    /// When its offline runs were dispatched: later summary or attribute changes become follow-up runs.
    public var dispatchedAt: Date?
    /// The voice platform whose webhook made it, whose values are the platform's (`valueSources` `platform`).
    public var platform: VoicePlatform?
    /// What is known of the call, for a call activity.
    public var call: CallFacts?

    public init(
        id: String, agentId: String, channel: AgentChannel, startedAt: Date, lastMessageAt: Date? = nil, endsAt: Date? = nil,
        endedAt: Date? = nil, attributes: [String: String] = [:], summary: String? = nil, messageCount: Int = 0, dispatchedAt: Date? = nil,
        platform: VoicePlatform? = nil, call: CallFacts? = nil
    ) {
        self.dispatchedAt = dispatchedAt
        self.platform = platform
        self.call = call
        self.id = id
        self.agentId = agentId
        self.channel = channel
        self.startedAt = startedAt
        self.lastMessageAt = lastMessageAt
        self.endsAt = endsAt
        self.endedAt = endedAt
        self.attributes = attributes
        self.summary = summary
        self.messageCount = messageCount
    }

    /// What changed from `earlier` to this state that a sync must write: attributes set to a new non-blank
    /// value (a removal or blank never wipes CRM data) and a new non-blank summary. Nil when nothing did.
    public func changes(since earlier: Conversation) -> RunInput? {
        let fields = attributes.filter { key, value in !value.isBlank && earlier.attributes[key] != value }
        let newSummary = summary.flatMap { $0.isBlank || $0 == earlier.summary ? nil : $0 }
        guard !fields.isEmpty || newSummary != nil else { return nil }
        return RunInput(fields: fields, summary: newSummary)
    }

    /// Whether the conversation has ended by `now`: explicitly, or by its end time passing.
    public func hasEnded(at now: Date) -> Bool {
        endedAt != nil || (endsAt.map { $0 <= now } ?? false)
    }

    /// When it ended, if it has by `now`.
    public func endTime(at now: Date) -> Date? {
        endedAt ?? endsAt.flatMap { $0 <= now ? $0 : nil }
    }
}
