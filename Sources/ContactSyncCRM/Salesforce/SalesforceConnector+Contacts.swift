import ContactSyncCore
import Foundation

extension SalesforceConnector {
    static let collectionSize = 200
    static let lookupFields = "Id, Email, CreatedDate, CreatedById"

    func match(_ row: SalesforceWire.ContactRow, userId: String?) -> ContactMatch {
        ContactMatch(id: row.Id, createdDate: SalesforceWire.date(row.CreatedDate), createdByIntegration: userId != nil && row.CreatedById == userId)
    }

    func query(_ soql: String, log: CRMCallLog?) async throws(CRMError) -> [SalesforceWire.ContactRow] {
        try await call(.GET, "/query", route: "GET /query", query: [("q", soql)], log: log).decode(SalesforceWire.QueryResult.self).records
    }

    /// Looks many emails up with `IN` queries, each kept under the URL limit.
    public func lookup(emails: [String], log: CRMCallLog?) async throws(CRMError) -> [String: [ContactMatch]] {
        let userId = try await identity(log: log).userId
        var found: [String: [ContactMatch]] = Dictionary(uniqueKeysWithValues: Set(emails).map { ($0, []) })
        let answers = try await ChunkedWrite.inOrder(inGroups(Array(Set(emails)).sorted())) { group throws(CRMError) in
            try await query(inQuery(group), log: log)
        }
        for rows in answers {
            for row in rows {
                guard let email = row.Email?.lowercased() else { continue }
                found[email, default: []].append(match(row, userId: userId))
            }
        }
        return found
    }

    func inQuery(_ emails: [String]) -> String {
        "SELECT \(Self.lookupFields) FROM Contact WHERE Email IN \(SOQLLiteral.list(emails)) ORDER BY CreatedDate ASC"
    }

    /// Splits emails into groups whose query URL stays under `maxQueryURLLength` (and 200 emails).
    func inGroups(_ emails: [String]) -> [[String]] {
        let overhead = url("/query", query: [("q", inQuery([]))], instance: cache.instanceURLSnapshot ?? "https://x.my.salesforce.com").utf8.count
        var groups: [[String]] = []
        var current: [String] = []
        var length = overhead
        for email in emails {
            let cost = URLEncoding.component(SOQLLiteral.quote(email) + ",").utf8.count
            if !current.isEmpty && (length + cost > settings.maxQueryURLLength || current.count == Self.collectionSize) {
                groups.append(current)
                current = []
                length = overhead
            }
            current.append(email)
            length += cost
        }
        if !current.isEmpty { groups.append(current) }
        return groups
    }

    public func contact(id: String, log: CRMCallLog?) async throws(CRMError) -> ContactMatch {
        let userId = try await identity(log: log).userId
        let row = try await call(
            .GET, "/sobjects/Contact/\(URLEncoding.component(id))", route: "GET /sobjects/Contact/{id}",
            query: [("fields", "Id,Email,CreatedDate,CreatedById")], log: log
        ).decode(SalesforceWire.ContactRow.self)
        return match(row, userId: userId)
    }

    /// Creates up to 200 contacts per sObject Collections call, each succeeding or failing alone.
    public func createContacts(_ inputs: [[String: String]], log: CRMCallLog?) async throws(CRMError) -> [RecordResult] {
        await ChunkedWrite.run(inputs, size: Self.collectionSize) { chunk throws(CRMError) in
            let started = now().addingTimeInterval(-5)
            var uncertain = false
            var recovered: [String: String] = [:]
            let saved = try await settings.retry.run(observer: settings.observer) { _ throws(CRMError) in
                if uncertain {
                    recovered = try await createdSince(started, emails: chunk.compactMap { $0["Email"] }, log: log)
                }
                do throws(CRMError) {
                    let remaining = chunk.map { recovered[$0["Email"]?.lowercased() ?? ""] == nil ? SObjectBody(fields: $0, typed: true) : nil }
                    let request = JSONBody.encode(CollectionBody(records: remaining.compactMap { $0 }))
                    let answer = try await call(.POST, "/composite/sobjects", route: "POST /composite/sobjects", body: request, retrying: false, log: log)
                        .decode([SalesforceWire.SaveResult].self)
                    return (answer, remaining.map { $0 != nil })
                } catch {
                    uncertain = uncertain || error.isAmbiguous
                    throw error
                }
            }
            var answers = saved.0.makeIterator()
            return zip(chunk, saved.1).map { input, sent -> RecordResult in
                if !sent { return .success(recovered[input["Email"]!.lowercased()]!) }
                guard let answer = answers.next() else { return .failure(CRMError(.invalidResponse, "Salesforce returned fewer results than records.")) }
                return Self.result(answer)
            }
        }
    }

    public func updateContacts(_ inputs: [(id: String, properties: [String: String])], log: CRMCallLog?) async throws(CRMError) -> [RecordResult] {
        await ChunkedWrite.run(inputs, size: Self.collectionSize) { chunk throws(CRMError) in
            let body = JSONBody.encode(CollectionBody(records: chunk.map { SObjectBody(fields: $0.properties, id: $0.id, typed: true) }))
            let answer = try await call(.PATCH, "/composite/sobjects", route: "PATCH /composite/sobjects", body: body, log: log)
                .decode([SalesforceWire.SaveResult].self)
            var saved = answer.makeIterator()
            return chunk.map { input -> RecordResult in
                guard let result = saved.next() else { return .failure(CRMError(.invalidResponse, "Salesforce returned fewer results than records.")) }
                return Self.result(result).map { _ in input.id }
            }
        }
    }


    static func result(_ saved: SalesforceWire.SaveResult) -> RecordResult {
        if saved.success, let id = saved.id { return .success(id) }
        let error = saved.errors?.first
        return .failure(CRMError(.crmRejected, error?.message ?? "rejected", crmCode: error?.statusCode))
    }

    /// Contacts with these emails created by this integration since `date`, by lowercased email.
    func createdSince(_ date: Date, emails: [String], log: CRMCallLog?) async throws(CRMError) -> [String: String] {
        let found = try await lookup(emails: emails.map { $0.lowercased() }, log: log)
        var result: [String: String] = [:]
        for (email, matches) in found {
            if let mine = matches.first(where: { $0.createdByIntegration && ($0.createdDate ?? .distantPast) >= date }) { result[email] = mine.id }
        }
        return result
    }
}
