import Foundation

extension HubSpotState {
    static let noteBodyLimit = 65_536

    func noteJSON(_ record: HubSpotRecord, associations: [String] = []) -> JSON {
        var object: [String: JSON] = [
            "id": .string(record.id), "properties": record.properties.json,
            "createdAt": .string(Timestamps.iso(record.createdAt)), "updatedAt": .string(Timestamps.iso(record.updatedAt)),
            "archived": false,
        ]
        if associations.contains("contacts"), !record.associations.isEmpty {
            object["associations"] = [
                "contacts": ["results": .array(record.associations.map { ["id": .string($0), "type": "note_to_contact"] })]
            ]
        }
        return .object(object)
    }

    /// Validates note properties; `creating` requires `hs_timestamp`.
    func validateNoteProperties(_ input: [String: JSON], creating: Bool) -> Result<[String: String], Reply> {
        var values: [String: String] = [:]
        var problems: [PropertyProblem] = []
        for name in input.keys.sorted() {
            guard HubSpotProperty.noteProperties.contains(name) else {
                problems.append(PropertyProblem(name: name, code: "PROPERTY_DOESNT_EXIST", message: "Property \"\(name)\" does not exist"))
                continue
            }
            let value = input[name]!.isNull ? "" : (input[name]!.propertyString ?? "")
            if name == "hs_note_body", value.utf16.count > Self.noteBodyLimit {
                problems.append(
                    PropertyProblem(
                        name: name, code: "INVALID_STRING_LENGTH",
                        message: "hs_note_body exceeds the maximum length of \(Self.noteBodyLimit) characters"))
                continue
            }
            values[name] = value
        }
        if !problems.isEmpty { return .failure(HubSpotError.invalidProperties(problems)) }
        if creating, (values["hs_timestamp"] ?? "").isEmpty {
            return .failure(HubSpotError.validation("Error creating NOTE. Some required properties were not set."))
        }
        return .success(values)
    }

    /// The contact ids of note→contact associations (type 202); an error for anything else.
    func noteAssociations(_ list: [JSON]?) -> Result<[String], Reply> {
        var ids: [String] = []
        for association in list ?? [] {
            let id = association["to"]?["id"]?.propertyString ?? ""
            let types = association["types"]?.array ?? []
            guard types.contains(where: { $0["associationTypeId"]?.int == 202 && $0["associationCategory"]?.string == "HUBSPOT_DEFINED" })
            else {
                return .failure(HubSpotError.validation("Invalid association type for note to contact: use HUBSPOT_DEFINED 202."))
            }
            guard contacts[id] != nil else {
                return .failure(HubSpotError.validation("One or more associations are invalid: contact \(id) does not exist."))
            }
            if !ids.contains(id) { ids.append(id) }
        }
        return .success(ids)
    }

    func insertNote(_ values: [String: String], contactIds: [String], caller: HubSpotCaller, now: Date = Date()) -> HubSpotRecord {
        let id = newId()
        var properties = values.filter { !$0.value.isEmpty }
        properties["hs_object_id"] = id
        properties["hs_createdate"] = Timestamps.iso(now)
        properties["hs_lastmodifieddate"] = Timestamps.iso(now)
        properties["hs_body_preview"] = String((values["hs_note_body"] ?? "").prefix(200))
        properties["hs_object_source"] = "INTEGRATION"
        properties["hs_object_source_label"] = "INTEGRATION"
        properties["hs_object_source_id"] = String(caller.appId)
        let record = HubSpotRecord(id: id, properties: properties, createdAt: now, updatedAt: now, associations: contactIds)
        notes[id] = record
        for contact in contactIds { contacts[contact]?.associations.append(id) }
        return record
    }

    func mergeNote(_ id: String, _ values: [String: String], now: Date = Date()) -> HubSpotRecord {
        var record = notes[id]!
        for (name, value) in values { record.properties[name] = value.isEmpty ? nil : value }
        if values["hs_note_body"] != nil { record.properties["hs_body_preview"] = String((values["hs_note_body"] ?? "").prefix(200)) }
        record.properties["hs_lastmodifieddate"] = Timestamps.iso(now)
        record.updatedAt = now
        notes[id] = record
        return record
    }

    func createNote(_ body: JSON?, caller: HubSpotCaller) -> Reply {
        switch prepareNote(body) {
        case .failure(let reply): return reply
        case .success(let (values, contactIds)):
            return Reply(.created, noteJSON(insertNote(values, contactIds: contactIds, caller: caller)))
        }
    }

    private func prepareNote(_ body: JSON?) -> Result<([String: String], [String]), Reply> {
        let values: [String: String]
        switch validateNoteProperties(body?["properties"]?.object ?? [:], creating: true) {
        case .failure(let reply): return .failure(reply)
        case .success(let found): values = found
        }
        switch noteAssociations(body?["associations"]?.array) {
        case .failure(let reply): return .failure(reply)
        case .success(let ids): return .success((values, ids))
        }
    }

    func readNote(_ id: String, associations: [String]) -> Reply {
        guard let record = notes[id] else { return HubSpotError.notFound() }
        return Reply(.ok, noteJSON(record, associations: associations))
    }

    func updateNote(_ id: String, body: JSON?) -> Reply {
        guard notes[id] != nil else { return HubSpotError.notFound() }
        guard let input = body?["properties"]?.object, !input.isEmpty else {
            return HubSpotError.validation("No properties found to update, please provide at least one.")
        }
        switch validateNoteProperties(input, creating: false) {
        case .failure(let reply): return reply
        case .success(let values): return Reply(.ok, noteJSON(mergeNote(id, values)))
        }
    }

    func archiveNote(_ id: String) -> Reply {
        if let record = notes.removeValue(forKey: id) {
            for contact in record.associations { contacts[contact]?.associations.removeAll { $0 == id } }
        }
        return Reply(.noContent)
    }

    /// Batch create of notes with inline associations; any invalid input fails the whole call.
    func batchCreateNotes(_ body: JSON?, caller: HubSpotCaller) -> Reply {
        withBatch(body) { inputs, started in
            var prepared: [([String: String], [String], String?)] = []
            for input in inputs {
                switch prepareNote(input) {
                case .failure(let reply): return reply
                case .success(let item): prepared.append((item.0, item.1, input["objectWriteTraceId"]?.string))
                }
            }
            let results = prepared.map { values, contactIds, trace -> JSON in
                let json = noteJSON(insertNote(values, contactIds: contactIds, caller: caller))
                guard let trace, case .object(var object) = json else { return json }
                object["objectWriteTraceId"] = .string(trace)
                return .object(object)
            }
            return batchReply(results: results, errors: [], successStatus: .created, started: started)
        }
    }

    /// Batch update of notes by id; unknown ids give a 207.
    func batchUpdateNotes(_ body: JSON?) -> Reply {
        withBatch(body) { inputs, started in
            var results: [JSON] = []
            var errors: [JSON] = []
            for input in inputs {
                let id = input["id"]?.string ?? ""
                guard notes[id] != nil else {
                    errors.append(Self.batchError("OBJECT_NOT_FOUND", "Object not found. objectId are usually numeric.", context: ["id": [id]]))
                    continue
                }
                switch validateNoteProperties(input["properties"]?.object ?? [:], creating: false) {
                case .failure(let reply):
                    errors.append(Self.batchError("VALIDATION_ERROR", reply.body?["message"]?.string ?? "invalid", context: ["id": [id]]))
                case .success(let values):
                    results.append(noteJSON(mergeNote(id, values)))
                }
            }
            return batchReply(results: results, errors: errors, started: started)
        }
    }
}
