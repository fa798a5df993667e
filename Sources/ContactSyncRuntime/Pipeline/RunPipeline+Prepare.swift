import ContactSyncCore
import ContactSyncStore
import Foundation

extension RunPipeline {
    /// Steps 1 and 2: values (with remembered contact attributes) and the email. Skips end here. Returns
    /// the contact attributes to remember, written as the pass opens.
    func prepare(_ items: inout [Item]) async throws -> [RememberedFor: [String: String]] {
        // Matching by phone reads numbers in the agent's default country.
        var countries: [String: String] = [:]
        for index in items.indices where items[index].entry.action.match == .emailThenPhone {
            guard let agentId = items[index].entry.conversation?.agentId else { continue }
            if countries[agentId] == nil {
                countries[agentId] = try await repositories.configuration.agent(id: agentId)?.agent.extraction.defaultCountry ?? "US"
            }
            items[index].defaultCountry = countries[agentId] ?? "US"
        }
        var sources = items.map(Self.sources)
        try await extract(&items, &sources)
        // Remembered attributes matter only to runs with a mapping the run and conversation leave empty.
        let emails = items.indices.compactMap { index -> RememberedFor? in
            guard case .success(let first) = prepare(items[index], sources[index]),
                first.values.count < items[index].mappings.filter({ !$0.isSummary }).count
                    || first.values.contains(where: { $0.origin == .defaultValue })
            else { return nil }
            return first.email.map { RememberedFor(email: $0, scope: Self.rememberingScope(items[index])) }
        }
        let remembered = try await repositories.contacts.contactAttributes(Set(emails))
        var seen: Set<String> = []
        var toRemember: [RememberedFor: [String: String]] = [:]
        let keys = try await contactAttributeKeys.value { try await repositories.configuration.agentFields().filter(\.contactAttribute).map(\.key) }
        // Runs already decided (a follow-up behind another, say) take no part: not even in whose turn a customer is.
        for index in items.indices where items[index].done == nil {
            if case .success(let first) = prepare(items[index], sources[index]), let email = first.email {
                sources[index].contactAttributes = remembered[RememberedFor(email: email, scope: Self.rememberingScope(items[index]))] ?? [:]
            }
            switch prepare(items[index], sources[index]) {
            case .failure(let reason):
                items[index].done = succeeded(items[index].run, RunResult(outcome: .skipped, reason: reason))
            case .success(let prepared):
                // Two runs for one customer in one batch would both see no contact: the later one waits its turn.
                guard seen.insert(prepared.customerKey).inserted else {
                    items[index].done = .deferred(items[index].run, until: nil)
                    continue
                }
                items[index].prepared = prepared
                if !items[index].run.dryRun, let email = prepared.email {
                    toRemember[RememberedFor(email: email, scope: Self.rememberingScope(items[index])), default: [:]].merge(Self.contactAttributes(keys, sources[index])) { _, new in new }
                }
            }
        }
        return toRemember.filter { !$0.value.isEmpty }
    }

    /// Whose runs may read what a run remembers: a run in an agent's conversation carries that agent's values
    /// (an agent key may have written them), so only that agent's runs read them; a run without a
    /// conversation (the admin key's) remembers for every agent.
    static func rememberingScope(_ item: Item) -> String {
        item.entry.conversation?.agentId ?? RememberedFor.everyone
    }

    /// Fills what the platform left empty from the transcript (ARCHITECTURE §9): for a run with a conversation
    /// whose agent extracts, when a mapped value or the summary is missing. Follow-ups carry only changes,
    /// unless they run in full; the email that finds their customer is taken from the transcript again when
    /// the first run took it from there.
    func extract(_ items: inout [Item], _ sources: inout [ValueSources]) async throws {
        var agents: [String: Agent] = [:]
        var labels: [String: String]?
        for index in items.indices {
            guard let conversation = items[index].entry.conversation else { continue }
            let changesOnly = items[index].run.trigger == .followUp && !items[index].runsInFull
            let emailField = items[index].entry.template.emailField
            let mappings = items[index].mappings.filter { !changesOnly || $0.crmField == emailField }
            // A mapping's default does not count as a value here: a value from the transcript comes before it.
            let missing = Set(mappings.filter { !$0.isSummary && sources[index].value(for: FieldMapping(crmField: $0.crmField, agentField: $0.agentField)) == nil }.map(\.agentField))
            let writesSummary = mappings.contains(where: \.isSummary) || items[index].entry.template.crm == .hubspot
            let needsSummary = !changesOnly && writesSummary && sources[index].summary == nil
            guard !missing.isEmpty || needsSummary else { continue }
            if agents[conversation.agentId] == nil { agents[conversation.agentId] = try await repositories.configuration.agent(id: conversation.agentId)?.agent }
            guard let agent = agents[conversation.agentId], agent.extraction.mode != .off else { continue }
            if labels == nil { labels = Dictionary(try await repositories.configuration.agentFields().map { ($0.key, $0.label) }, uniquingKeysWith: { first, _ in first }) }
            let found = try await intelligence.extract(
                conversation: conversation, settings: agent.extraction, wanted: missing, labels: labels ?? [:], needsSummary: needsSummary)
            sources[index].extracted = found.values
            sources[index].extractedSummary = found.summary
            items[index].evidence = found.evidence
        }
    }

    func prepare(_ item: Item, _ sources: ValueSources) -> Result<PreparedRun, SkipReason> {
        RunPreparation.prepare(
            template: item.entry.template, mappings: item.mappings, sources: sources, match: item.entry.action.match, defaultCountry: item.defaultCountry)
    }

    /// Where a run's values come from. A follow-up writes only what changed: its input's values and
    /// summary, with the conversation's email to find the customer (unless it runs in full).
    static func sources(_ item: Item) -> ValueSources {
        let conversation = item.entry.conversation
        var sources: ValueSources
        if item.run.trigger == .followUp, !item.runsInFull {
            let emailField = item.entry.action.mappings.first { $0.crmField == item.entry.template.emailField }?.agentField
            let email = emailField.flatMap { key in conversation?.attributes[key].map { [key: $0] } } ?? [:]
            sources = ValueSources(runInput: item.run.input.fields, conversation: email, runSummary: item.run.input.summary)
        } else {
            sources = ValueSources(
                runInput: item.run.input.fields, conversation: conversation?.attributes ?? [:], runSummary: item.run.input.summary,
                conversationSummary: conversation?.summary)
        }
        // A voice platform's values are the platform's, a late one (a follow-up's input) too.
        if conversation?.platform != nil {
            sources.conversationOrigin = .platform
            if item.run.trigger == .followUp { sources.inputOrigin = .platform }
        }
        return sources
    }

    /// Follow-ups wait for the run they follow, then write the changed values against the contact it chose.
    func follow(_ items: inout [Item]) async throws {
        let followUps = items.indices.filter { items[$0].run.trigger == .followUp }
        guard !followUps.isEmpty else { return }
        let firsts = try await repositories.runs.offlineRuns(followUps.map { ActionConversation(actionId: items[$0].run.actionId, conversationId: items[$0].run.conversationId ?? "") })
        let behind = try await repositories.runs.followUpsBehindEarlier(followUps.map { items[$0].run.id })
        for index in followUps {
            let item = items[index]
            if behind.contains(item.run.id) {
                // An earlier follow-up of this action and conversation is not finished: this one applies after it.
                items[index].done = .deferred(item.run, until: now().addingTimeInterval(1))
                continue
            }
            let first = firsts[ActionConversation(actionId: item.run.actionId, conversationId: item.run.conversationId ?? "")]
            if let first, first.status == .pending || first.status == .running {
                // The first run has not written yet; when it does, it reads the conversation's final values.
                items[index].done = .deferred(item.run, until: (first.nextAttemptAt ?? now()).addingTimeInterval(1))
                continue
            }
            switch FollowUpScope.of(
                item.run.input, chosenContact: first?.result?.crmRecordId, mappings: item.entry.action.mappings, emailField: item.entry.template.emailField)
            {
            case .full:
                items[index].runsInFull = true
            case .changes(let contactId, let mappings):
                items[index].target = contactId
                items[index].mappings = mappings
            }
        }
    }

    /// The customer's contact-attribute values this run knows (its input, else the conversation's).
    static func contactAttributes(_ keys: [String], _ sources: ValueSources) -> [String: String] {
        var values: [String: String] = [:]
        for key in keys {
            for candidate in [sources.runInput[key], sources.conversation[key]] {
                if let value = candidate, !value.isBlank { values[key] = value.trimmed; break }
            }
        }
        return values
    }
}
