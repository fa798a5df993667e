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
            "results": .array(page.map { id in
                [
                    "toObjectId": Int(id).map(JSON.int) ?? .string(id),
                    "associationTypes": [["category": "HUBSPOT_DEFINED", "typeId": .int(kind.associationTypeId), "label": .null]],
                ]
            })
        ]
        if start + page.count < associated.count {
            let next = String(start + page.count)
            body["paging"] = [
                "next": ["after": .string(next), "link": .string("/crm/v4/objects/contacts/\(contactId)/associations/\(kind.rawValue)?after=\(next)")]
            ]
        }
        return Reply(.ok, .object(body))
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
