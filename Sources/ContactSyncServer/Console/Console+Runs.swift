import ContactSyncCore
import ContactSyncRuntime
import Foundation
import Hummingbird

/// Runs (filters, a run explained, retry one or many, preview), conversations and the overview.
extension Console {
    func addRuns(_ group: RouterGroup<AppRequestContext>) {
        get(group, "runs") { request, _, session in try await runsPage(request, session) }
        get(group, "runs/{id}") { _, context, session in try await runPage(try context.parameter("id"), session) }
        post(group, "runs/{id}/retry") { _, _, context, _ in
            let run = try await engine.retry(runId: try context.parameter("id"))
            return ConsoleRenderer.redirect("/console/runs/\(run.id)")
        }
        post(group, "runs/retry") { form, _, _, session in
            var retried = 0
            var refused: [String] = []
            for id in form.all("runIds") {
                do {
                    _ = try await engine.retry(runId: id)
                    retried += 1
                } catch let error as ServiceError {
                    refused.append("\(id): \(error.message)")
                }
            }
            return renderer.page("problem", page(session, "Retried", section: "Runs", ConsoleModel.Problem(
                heading: "Retried \(retried) run\(retried == 1 ? "" : "s")",
                message: refused.isEmpty ? "Every selected run was retried." : "Not retried: " + refused.joined(separator: "; "),
                back: "/console/runs")))
        }
        post(group, "preview") { form, _, _, _ in
            guard let actionId = form["actionId"], let conversationId = form["conversationId"] else {
                throw ServiceError(.unprocessable, .invalidRequest, "Choose an action and a conversation to preview.")
            }
            let run = try await engine.run(RunEngine.Request(actionId: actionId, conversationId: conversationId, input: RunInput(), dryRun: true))
            return ConsoleRenderer.redirect("/console/runs/\(run.id)")
        }
        get(group, "conversations") { _, _, session in try await conversationsPage(session) }
        get(group, "conversations/{id}") { _, context, session in try await conversationPage(try context.parameter("id"), session) }
    }

    // MARK: Overview

    func overview(_ session: ConsoleSessions.Session) async throws -> Response {
        // Read models: the day's runs counted by hour, status and outcome, and the commonest failures, each
        // one query however many runs there were.
        let counts = try await activity.lastDay()
        let chart = RunChart(counts: counts)
        let failures = try await activity.lastDayFailures(limit: 5)
        let queue = try await activity.offlineQueue()
        let accounts = try await allAccounts()
        return renderer.page("overview", page(session, "Overview", section: "Overview", OverviewPage(
            total: counts.reduce(0) { $0 + $1.count }, chart: chart,
            legend: RunChart.series.map { .init(name: $0.label, css: $0.css, count: chart.totals[$0.label] ?? 0) },
            failures: failures.map { .init(reason: $0.reason, count: $0.count) }, noFailures: failures.isEmpty,
            due: queue.due, pending: queue.pending, waiting: queue.waitingForAccount,
            accounts: accounts.map { .init(name: $0.name, crm: Self.crmName($0.crm), healthy: $0.status == .connected) })))
    }

    struct OverviewPage {
        struct Series { let name: String, css: String, count: Int }
        struct Failure { let reason: String, count: Int }
        struct Account { let name: String, crm: String, healthy: Bool }
        let total: Int
        let chart: RunChart
        let legend: [Series]
        let failures: [Failure]
        let noFailures: Bool
        let due: Int, pending: Int, waiting: Int
        let accounts: [Account]
    }

    // MARK: Runs

    private func runsPage(_ request: Request, _ session: ConsoleSessions.Session) async throws -> Response {
        let query = request.uri.queryParameters
        let actionId = query.get("action").flatMap { $0.isEmpty ? nil : $0 }
        let status = query.get("status").flatMap(RunStatus.init(rawValue:))
        let trigger = query.get("trigger").flatMap(RunTrigger.init(rawValue:))
        let outcome = query.get("outcome").flatMap(RunOutcome.init(rawValue:))
        var runs = try await activity.recentRuns(RunFilter(actionId: actionId, status: status), trigger: trigger, limit: 500)
        if let outcome { runs = runs.filter { $0.result?.outcome == outcome } }
        let actions = try await allActions()
        let names = Self.names(actions)
        let conversations = try await activity.recentConversations(limit: 100)
        func options(_ values: [String], selected: String?) -> [ConsoleModel.Option] {
            values.map { .init(value: $0, label: Self.words($0), selected: $0 == selected) }
        }
        return renderer.page("runs", page(session, "Runs", section: "Runs", RunsPage(
            runs: runs.map { run in
                .init(
                    id: run.id, outcome: Self.words(run.result?.outcome?.rawValue ?? run.status.rawValue), status: run.status.rawValue,
                    failed: run.status == .failed, action: names[run.actionId] ?? run.actionId, conversation: run.conversationId ?? "—",
                    trigger: Self.words(run.trigger.rawValue), time: Self.time(run.createdAt), dryRun: run.dryRun)
            },
            empty: runs.isEmpty,
            actionOptions: actions.map { .init(value: $0.id, label: $0.name, selected: $0.id == actionId) },
            statusOptions: options(["pending", "running", "succeeded", "failed", "waiting_for_account"], selected: status?.rawValue),
            outcomeOptions: options(RunOutcome.allCases.map(\.rawValue), selected: outcome?.rawValue),
            triggerOptions: options(["in_conversation", "offline", "follow_up"], selected: trigger?.rawValue),
            previewActions: actions.map { .init(value: $0.id, label: $0.name) },
            previewConversations: conversations.map { .init(value: $0.id, label: "\($0.id) · \(Self.time($0.startedAt))") },
            canPreview: !actions.isEmpty && !conversations.isEmpty)))
    }

    struct RunsPage {
        struct Row {
            let id: String, outcome: String, status: String
            let failed: Bool
            let action: String, conversation: String, trigger: String, time: String
            let dryRun: Bool
        }
        let runs: [Row]
        let empty: Bool
        let actionOptions, statusOptions, outcomeOptions, triggerOptions, previewActions, previewConversations: [ConsoleModel.Option]
        let canPreview: Bool
    }

    private func runPage(_ id: String, _ session: ConsoleSessions.Session) async throws -> Response {
        let run = try await engine.run(id: id)
        let action = try await configuration.action(id: run.actionId).action
        let crm = Template.named(action.template)?.crm ?? .hubspot
        let explanation = RunExplanation(run: run, action: action, crm: crm)
        let result = run.result
        return renderer.page("run", page(session, "Run \(run.id)", section: "Runs", RunPage(
            id: run.id, headline: explanation.headline, decision: explanation.decision, dryRun: run.dryRun,
            action: action.name, actionId: action.id, crm: Self.crmName(crm), conversation: run.conversationId,
            trigger: Self.words(run.trigger.rawValue), status: Self.words(run.status.rawValue), failed: run.status == .failed,
            fields: explanation.fields.map { field in
                .init(
                    crmField: field.crmField, agentField: field.agentField, value: field.value ?? "—", written: field.written, why: field.why ?? "",
                    source: field.source.map(Self.words) ?? "—", evidence: field.evidence)
            },
            recordURL: result?.crmRecordURL, recordId: result?.crmRecordId, noteId: result?.noteId, activityId: result?.activityId,
            foundBy: Self.foundBy(result),
            warnings: (result?.warnings ?? []).map { .init(message: $0.message, code: $0.code) },
            error: result?.error.map { .init(message: $0.message, code: $0.code, crmCode: $0.crmCode ?? "—", retryable: $0.retryable ? "yes" : "no") },
            crmCalls: result?.crmCalls ?? 0, roundTrips: result?.roundTrips ?? 0, crmWaitMs: String(format: "%.1f", result?.crmWaitMs ?? 0),
            attempts: run.attempts, created: Self.time(run.createdAt), started: Self.time(run.startedAt), finished: Self.time(run.finishedAt),
            duration: run.startedAt.flatMap { start in run.finishedAt.map { String(format: "%.0f ms", $0.timeIntervalSince(start) * 1000) } } ?? "—")))
    }

    struct RunPage {
        struct Field {
            let crmField: String, agentField: String, value: String
            let written: Bool
            let why: String, source: String
            let evidence: String?
        }
        struct Warning { let message: String, code: String }
        struct Failure { let message: String, code: String, crmCode: String, retryable: String }
        let id: String, headline: String, decision: String
        let dryRun: Bool
        let action: String, actionId: String, crm: String
        let conversation: String?
        let trigger: String, status: String
        let failed: Bool
        let fields: [Field]
        let recordURL: String?, recordId: String?, noteId: String?, activityId: String?
        /// How the customer's contact was found, in words.
        let foundBy: String
        let warnings: [Warning]
        let error: Failure?
        let crmCalls: Int, roundTrips: Int
        let crmWaitMs: String
        let attempts: Int
        let created: String, started: String, finished: String, duration: String
    }

    /// How a run found its customer's contact, in words.
    static func foundBy(_ result: RunResult?) -> String {
        switch result?.matchedBy {
        case .email?: "By email"
        case .phone?: "By phone number"
        default: result?.outcome == .created ? "Not found: the contact was created" : "—"
        }
    }

    // MARK: Conversations

    private func conversationsPage(_ session: ConsoleSessions.Session) async throws -> Response {
        let list = try await activity.recentConversations(limit: 200)
        return renderer.page("conversations", page(session, "Conversations", section: "Conversations", ConversationsPage(
            conversations: list.map { conversation in
                .init(
                    id: conversation.id, agentId: conversation.agentId, channel: Self.words(conversation.channel.rawValue),
                    started: Self.time(conversation.startedAt), messages: conversation.messageCount, ends: ends(conversation))
            },
            empty: list.isEmpty)))
    }

    struct ConversationsPage {
        struct Row {
            let id: String, agentId: String, channel: String, started: String
            let messages: Int
            let ends: String
        }
        let conversations: [Row]
        let empty: Bool
    }

    private func conversationPage(_ id: String, _ session: ConsoleSessions.Session) async throws -> Response {
        let conversation = try await conversations.conversation(id: id)
        let messages = try await activity.messages(conversationId: id)
        let runs = try await activity.recentRuns(RunFilter(conversationId: id), limit: 200)
        let names = Self.names(try await allActions())
        return renderer.page("conversation", page(session, "Conversation \(id)", section: "Conversations", ConversationPage(
            id: id, agentId: conversation.agentId, channel: Self.words(conversation.channel.rawValue), ends: ends(conversation),
            messages: messages.map { .init(role: Self.words($0.role), customer: $0.role != "agent", text: $0.text, at: Self.time($0.at)) },
            values: conversation.attributes.sorted { $0.key < $1.key }.map { .init(key: $0.key, value: $0.value) },
            summary: conversation.summary,
            runs: runs.map {
                .init(id: $0.id, action: names[$0.actionId] ?? $0.actionId, outcome: Self.words($0.result?.outcome?.rawValue ?? $0.status.rawValue), time: Self.time($0.createdAt))
            })))
    }

    struct ConversationPage {
        struct Message {
            let role: String
            let customer: Bool
            let text: String, at: String
        }
        struct Value { let key: String, value: String }
        struct Run { let id: String, action: String, outcome: String, time: String }
        let id: String, agentId: String, channel: String, ends: String
        let messages: [Message]
        let values: [Value]
        let summary: String?
        let runs: [Run]
    }

    private func ends(_ conversation: Conversation) -> String {
        if let ended = conversation.endedAt { return "Ended " + Self.time(ended) }
        if let ends = conversation.endsAt { return (ends <= now() ? "Ended " : "Ends ") + Self.time(ends) }
        return "When the call ends"
    }
}

/// Runs of the last 24 hours by hour and outcome, as the bars of an inline SVG chart.
struct RunChart {
    struct Series {
        let label: String
        let css: String
        let matches: @Sendable (RunStatus, RunOutcome?) -> Bool
    }

    static let series: [Series] = [
        Series(label: "Created", css: "created") { _, outcome in outcome == .created },
        Series(label: "Updated", css: "updated") { _, outcome in outcome == .updated },
        Series(label: "Summary only", css: "summary") { _, outcome in outcome == .summaryOnly },
        Series(label: "Skipped", css: "skipped") { status, outcome in status != .failed && outcome == .skipped },
        Series(label: "Failed", css: "failed") { status, _ in status == .failed },
    ]

    /// One bar of one outcome in one hour.
    struct Bar {
        let x: Int, y: Int, height: Int
        let css: String, title: String
    }

    let width = 24 * 30
    let height = 160
    let bars: [Bar]
    let peak: Int
    let totals: [String: Int]

    init(counts: [RunCount]) {
        var buckets = Array(repeating: [String: Int](), count: 24)
        var totals: [String: Int] = [:]
        for count in counts {
            guard (0..<24).contains(count.hoursAgo), let series = Self.series.first(where: { $0.matches(count.status, count.outcome) }) else { continue }
            buckets[23 - count.hoursAgo][series.label, default: 0] += count.count
            totals[series.label, default: 0] += count.count
        }
        let peak = max(1, buckets.map { $0.values.reduce(0, +) }.max() ?? 1)
        var bars: [Bar] = []
        for (hour, bucket) in buckets.enumerated() {
            var y = height
            for series in Self.series {
                guard let count = bucket[series.label], count > 0 else { continue }
                let barHeight = max(2, count * (height - 10) / peak)
                y -= barHeight
                bars.append(Bar(
                    x: hour * 30 + 4, y: y, height: barHeight, css: series.css, title: "\(count) \(series.label.lowercased()), \(23 - hour) h ago"))
            }
        }
        self.totals = totals
        self.bars = bars
        self.peak = peak
    }
}
