import ContactSyncCore
import Foundation

extension HubSpotConnector {
    static let provenanceProperties = ["email", "hs_object_source", "hs_object_source_id", "createdate"]
    static let batchSize = 100

    func match(_ object: HubSpotWire.Object, appId: String?) -> ContactMatch {
        let created = object.property("createdate").flatMap { try? Date($0, strategy: .iso8601) }
        let ours = appId != nil && object.property("hs_object_source") == "INTEGRATION" && object.property("hs_object_source_id") == appId
        return ContactMatch(id: object.id, createdDate: created, createdByIntegration: ours)
    }

    public func lookup(emails: [String], log: CRMCallLog?) async throws(CRMError) -> [String: [ContactMatch]] {
        let appId = try await identity(log: log).appId
        var found: [String: [ContactMatch]] = Dictionary(uniqueKeysWithValues: Set(emails).map { ($0, []) })
        let answers = try await ChunkedWrite.inOrder(Array(Set(emails)).sorted().chunked(into: Self.batchSize)) { chunk throws(CRMError) in
            let body = JSONBody.encode(BatchRead(properties: Self.provenanceProperties, idProperty: "email", inputs: chunk.map { .init(id: $0) }))
            return try await call(.POST, "/crm/v3/objects/contacts/batch/read", route: "POST /crm/v3/objects/contacts/batch/read", body: body, log: log)
                .decode(HubSpotWire.BatchResponse.self)
        }
        for response in answers {
            for object in response.results {
                guard let email = object.property("email")?.lowercased() else { continue }
                found[email, default: []].append(match(object, appId: appId))
            }
        }
        return found
    }

    public func contact(id: String, log: CRMCallLog?) async throws(CRMError) -> ContactMatch {
        let appId = try await identity(log: log).appId
        let object = try await call(
            .GET, "/crm/v3/objects/contacts/\(URLEncoding.component(id))", route: "GET /crm/v3/objects/contacts/{id}",
            query: [("properties", Self.provenanceProperties.joined(separator: ","))], log: log
        ).decode(HubSpotWire.Object.self)
        return match(object, appId: appId)
    }

    /// Batch create with one trace id per input, so one bad input fails alone (207).
    public func createContacts(_ inputs: [[String: String]], log: CRMCallLog?) async throws(CRMError) -> [RecordResult] {
        await ChunkedWrite.run(inputs, size: Self.batchSize) { chunk throws(CRMError) in
            let body = JSONBody.encode(BatchCreate(inputs: chunk.indices.map { index in
                .init(properties: chunk[index], associations: [], objectWriteTraceId: String(index))
            }))
            var uncertain = false
            let outcome = try await settings.retry.run(observer: settings.observer) { _ throws(CRMError) in
                do throws(CRMError) {
                    return try await batchWrite("/crm/v3/objects/contacts/batch/create", body: body, retrying: false, log: log)
                } catch {
                    uncertain = uncertain || error.isAmbiguous
                    throw error
                }
            }
            return chunk.indices.map { index -> RecordResult in
                let key = String(index)
                if let id = outcome.written(trace: key) { return .success(id) }
                let failure = outcome.failure(forTrace: key)
                // After an attempt that may have gone through unseen, a conflict names the contact it created.
                if uncertain, failure.code == .contactExists, let id = failure.existingId { return .success(id) }
                return .failure(failure)
            }
        }
    }

    public func updateContacts(_ inputs: [(id: String, properties: [String: String])], log: CRMCallLog?) async throws(CRMError) -> [RecordResult] {
        await ChunkedWrite.run(inputs, size: Self.batchSize) { chunk throws(CRMError) in
            let body = JSONBody.encode(BatchUpdate(inputs: chunk.map { .init(id: $0.id, properties: $0.properties) }))
            let outcome = try await batchWrite("/crm/v3/objects/contacts/batch/update", body: body, log: log)
            let updated = Set(outcome.results.map(\.id))
            return chunk.map { updated.contains($0.id) ? .success($0.id) : .failure(outcome.failure(forId: $0.id)) }
        }
    }

    /// Sends a batch write; a 207 is a normal answer whose errors belong to single inputs.
    func batchWrite(_ path: String, body: Data, retrying: Bool = true, log: CRMCallLog?) async throws(CRMError) -> BatchOutcome {
        let response = try await call(.POST, path, route: "POST \(path)", body: body, retrying: retrying, log: log)
        return BatchOutcome(response: try response.decode(HubSpotWire.WriteResponse.self))
    }
}

/// The per-input view of a batch write's answer.
struct BatchOutcome: Sendable {
    let response: HubSpotWire.WriteResponse
    /// The ids of the records written, by the trace id their input carried.
    private let byTrace: [String: String]

    init(response: HubSpotWire.WriteResponse) {
        self.response = response
        byTrace = Dictionary(response.results.compactMap { written in written.objectWriteTraceId.map { ($0, written.id) } }, uniquingKeysWith: { first, _ in first })
    }

    var results: [HubSpotWire.WriteResponse.Written] { response.results }

    /// The id of the record written for the input that carried `trace`, if it was written.
    func written(trace: String) -> String? { byTrace[trace] }

    func failure(forTrace trace: String) -> CRMError {
        failure { $0.context?["objectWriteTraceId"]?.contains(trace) == true }
    }

    func failure(forId id: String) -> CRMError {
        failure { $0.context?["id"]?.contains(id) == true || $0.context?["ids"]?.contains(id) == true }
    }

    private func failure(where matches: (HubSpotWire.BatchError) -> Bool) -> CRMError {
        guard let error = response.errors?.first(where: matches) else {
            return CRMError(.invalidResponse, "HubSpot reported no result for this input.")
        }
        let message = error.message ?? "rejected"
        let code: CRMError.Code = error.category == "CONFLICT" ? .contactExists : (error.category == "OBJECT_NOT_FOUND" ? .notFound : .crmRejected)
        let detail = HubSpotWire.ErrorBody(message: message, category: error.category, policyName: nil, errors: nil, identityProfile: nil, error: nil, status: nil)
        return CRMError(code, message, crmCode: HubSpotWire.crmCode(in: detail), existingId: HubSpotWire.existingId(in: detail))
    }
}

// MARK: Request bodies

struct ObjectInput: Encodable {
    let properties: [String: String]
    let associations: [NoteAssociation]?
}

struct BatchRead: Encodable {
    struct Input: Encodable { let id: String }
    let properties: [String]
    /// The property the ids are values of; records' own ids without it.
    var idProperty: String?
    let inputs: [Input]
}

struct BatchCreate: Encodable {
    struct Input: Encodable {
        let properties: [String: String]
        let associations: [NoteAssociation]
        let objectWriteTraceId: String
    }
    let inputs: [Input]
}

struct BatchUpdate: Encodable {
    struct Input: Encodable {
        let id: String
        let properties: [String: String]
    }
    let inputs: [Input]
}

struct NoteAssociation: Encodable {
    struct Target: Encodable { let id: String }
    struct Kind: Encodable {
        var associationCategory = "HUBSPOT_DEFINED"
        let associationTypeId: Int
    }
    let to: Target
    let types: [Kind]

    /// To the contact, as a note (202) or a call (194) is.
    init(contactId: String, typeId: Int = 202) {
        self.to = Target(id: contactId)
        self.types = [Kind(associationTypeId: typeId)]
    }
}

extension HubSpotConnector {
    /// HubSpot's searchable forms of the phone properties: the digits with the country code.
    static let phoneSearchProperties = ["hs_searchable_calculated_international_phone_number", "hs_searchable_calculated_international_mobile_number"]
    /// Numbers per search: two filter groups each, within HubSpot's five.
    static let phonesPerSearch = 2

    /// The search API on HubSpot's searchable phone properties (formatting stripped, country code kept), so
    /// that "+1 415-555-0142", "(415) 555-0142" and "4155550142" all find the same contact; each result is
    /// given to the number whose digits it holds.
    public func lookup(phones: [String], log: CRMCallLog?) async throws(CRMError) -> [String: [ContactMatch]] {
        let appId = try await identity(log: log).appId
        var found: [String: [ContactMatch]] = Dictionary(uniqueKeysWithValues: Set(phones).map { ($0, []) })
        for group in Array(Set(phones)).sorted().chunked(into: Self.phonesPerSearch) {
            let digits = group.map { PhoneNumbers.digits(ofE164: $0).international }
            let body = JSONBody.encode(PhoneSearch(
                filterGroups: digits.flatMap { number in Self.phoneSearchProperties.map { .init(filters: [.init(propertyName: $0, operator: "EQ", value: number)]) } },
                properties: Self.provenanceProperties + Self.phoneSearchProperties, limit: 100))
            let response = try await call(.POST, "/crm/v3/objects/contacts/search", route: "POST /crm/v3/objects/contacts/search", body: body, log: log)
                .decode(HubSpotWire.BatchResponse.self)
            for object in response.results {
                let held = Self.phoneSearchProperties.compactMap { object.property($0) }
                for (phone, number) in zip(group, digits) where held.contains(number) {
                    found[phone, default: []].append(match(object, appId: appId))
                }
            }
        }
        return found
    }
}

/// `POST /crm/v3/objects/contacts/search`: filter groups are ORed.
struct PhoneSearch: Encodable {
    struct Group: Encodable { let filters: [Filter] }
    struct Filter: Encodable {
        let propertyName: String
        let `operator`: String
        let value: String
    }
    let filterGroups: [Group]
    let properties: [String]
    let limit: Int
}
