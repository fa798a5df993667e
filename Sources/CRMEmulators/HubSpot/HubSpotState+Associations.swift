import Foundation

extension HubSpotState {
    /// The most associations one page lists (HubSpot's v4 limit).
    static let associationPageLimit = 500

    /// `GET /crm/v4/objects/contacts/{contactId}/associations/notes`: the contact's notes, a page at a time,
    /// as `{"results":[{"toObjectId":…,"associationTypes":[…]}],"paging":{"next":{"after":…}}}`.
    func contactNoteAssociations(_ contactId: String, limit: Int?, after: String?, kind: Engagement = .notes) -> Reply {
        guard let record = contacts[contactId] else { return HubSpotError.notFound() }
        let size = min(max(limit ?? Self.associationPageLimit, 1), Self.associationPageLimit)
        let start = after.flatMap(Int.init) ?? 0
        let associated = record.associations.filter { engagements(kind)[$0] != nil }
        let page = Array(associated.dropFirst(start).prefix(size))
        var body: [String: JSON] = [
            "results": .array(page.map { Self.associated($0, kind: kind) })
        ]
        if start + page.count < associated.count {
            let next = String(start + page.count)
            body["paging"] = [
                "next": ["after": .string(next), "link": .string("/crm/v4/objects/contacts/\(contactId)/associations/\(kind.rawValue)?after=\(next)")]
            ]
        }
        return Reply(.ok, .object(body))
    }

    /// One associated record as v4 association answers list it.
    static func associated(_ id: String, kind: Engagement) -> JSON {
        [
            "toObjectId": Int(id).map(JSON.int) ?? .string(id),
            "associationTypes": [["category": "HUBSPOT_DEFINED", "typeId": .int(kind.associationTypeId), "label": .null]],
        ]
    }

    /// The most records one v4 association batch read asks about (HubSpot's limit since February 2025).
    static let associationBatchLimit = 1_000

    /// `POST /crm/v4/associations/contacts/notes/batch/read`: for each `{"id", "after"}` input, a page of the
    /// contact's notes as `{"from":{"id"},"to":[{"toObjectId","associationTypes"}],"paging"}` (paging only when
    /// more follow). A contact with none is left out of `results`; one not found is a per-input error (207).
    func batchReadContactAssociations(_ body: JSON?, kind: Engagement = .notes) -> Reply {
        let started = Date()
        guard let inputs = body?["inputs"]?.array else { return HubSpotError.validation("inputs is required.") }
        guard inputs.count <= Self.associationBatchLimit else {
            return HubSpotError.validation("Batch input cannot be larger than \(Self.associationBatchLimit) inputs.")
        }
        var results: [JSON] = []
        var missing: [String] = []
        for input in inputs {
            guard let contactId = input["id"]?.string else { continue }
            guard let record = contacts[contactId] else {
                missing.append(contactId)
                continue
            }
            let start = input["after"]?.string.flatMap(Int.init) ?? 0
            let associated = record.associations.filter { engagements(kind)[$0] != nil }
            let page = Array(associated.dropFirst(start).prefix(Self.associationPageLimit))
            guard !page.isEmpty else { continue }
            var result: [String: JSON] = [
                "from": ["id": .string(contactId)],
                "to": .array(page.map { Self.associated($0, kind: kind) }),
            ]
            if start + page.count < associated.count {
                result["paging"] = ["next": ["after": .string(String(start + page.count))]]
            }
            results.append(.object(result))
        }
        let errors = missing.isEmpty ? [] : [
            Self.batchError("OBJECT_NOT_FOUND", "Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.", context: ["ids": missing])
        ]
        return batchReply(results: results, errors: errors, started: started)
    }

    /// `POST /crm/v3/objects/notes/batch/read`: notes by id; missing ones are per-input errors (207).
    func batchReadNotes(_ body: JSON?, kind: Engagement = .notes) -> Reply {
        withBatch(body) { inputs, started in
            var results: [JSON] = []
            var missing: [String] = []
            for input in inputs {
                guard let id = input["id"]?.string else { continue }
                if let record = engagements(kind)[id] { results.append(noteJSON(record, kind: kind)) } else { missing.append(id) }
            }
            let errors = missing.isEmpty ? [] : [
                Self.batchError(
                    "OBJECT_NOT_FOUND", "Could not get some \(kind.objectName) objects, they may be deleted or not exist. Check that ids are valid.",
                    context: ["ids": missing])
            ]
            return batchReply(results: results, errors: errors, started: started)
        }
    }
}
