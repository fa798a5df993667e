import Foundation

/// HubSpot's engagements the emulator keeps, associated with contacts: notes (type 202) and calls (194).
enum Engagement: String, Sendable, CaseIterable {
    case notes, calls

    var bodyProperty: String { self == .notes ? "hs_note_body" : "hs_call_body" }
    var associationTypeId: Int { self == .notes ? 202 : 194 }
    var associationLabel: String { self == .notes ? "note_to_contact" : "call_to_contact" }
    var objectName: String { self == .notes ? "NOTE" : "CALL" }
    var properties: Set<String> { self == .notes ? HubSpotProperty.noteProperties : HubSpotProperty.callProperties }
}

extension HubSpotState {
    static let noteBodyLimit = 65_536

    func engagements(_ kind: Engagement) -> [String: HubSpotRecord] { kind == .notes ? notes : calls }

    func store(_ record: HubSpotRecord, as kind: Engagement) {
        if kind == .notes { notes[record.id] = record } else { calls[record.id] = record }
    }

    func noteJSON(_ record: HubSpotRecord, associations: [String] = [], kind: Engagement = .notes) -> JSON {
        var object: [String: JSON] = [
            "id": .string(record.id), "properties": record.properties.json,
            "createdAt": .string(Timestamps.iso(record.createdAt)), "updatedAt": .string(Timestamps.iso(record.updatedAt)),
            "archived": false,
        ]
        if associations.contains("contacts"), !record.associations.isEmpty {
            object["associations"] = [
                "contacts": ["results": .array(record.associations.map { ["id": .string($0), "type": .string(kind.associationLabel)] })]
            ]
        }
        return .object(object)
    }

    /// Validates engagement properties; `creating` requires `hs_timestamp`.
    func validateNoteProperties(_ input: [String: JSON], creating: Bool, kind: Engagement = .notes) -> Result<[String: String], Reply> {
        var values: [String: String] = [:]
        var problems: [PropertyProblem] = []
        for name in input.keys.sorted() {
            guard kind.properties.contains(name) else {
                problems.append(PropertyProblem(name: name, code: "PROPERTY_DOESNT_EXIST", message: "Property \"\(name)\" does not exist"))
                continue
            }
            let value = input[name]!.isNull ? "" : (input[name]!.propertyString ?? "")
            if name == kind.bodyProperty, value.utf16.count > Self.noteBodyLimit {
                problems.append(
                    PropertyProblem(
                        name: name, code: "INVALID_STRING_LENGTH",
                        message: "\(name) exceeds the maximum length of \(Self.noteBodyLimit) characters"))
                continue
            }
            if let allowed = HubSpotProperty.callOptions[name], !value.isEmpty, !allowed.contains(value) {
                problems.append(PropertyProblem(name: name, code: "INVALID_OPTION", message: "\(value) was not one of the allowed options: \(allowed.sorted())"))
                continue
            }
            if name == "hs_call_duration", !value.isEmpty, Int(value) == nil {
                problems.append(PropertyProblem(name: name, code: "INVALID_INTEGER", message: "\(value) is not a valid integer"))
                continue
            }
            values[name] = value
        }
        if !problems.isEmpty { return .failure(HubSpotError.invalidProperties(problems)) }
        if creating, (values["hs_timestamp"] ?? "").isEmpty {
            return .failure(HubSpotError.validation("Error creating \(kind.objectName). Some required properties were not set."))
        }
        return .success(values)
    }

    /// The contact ids of engagement→contact associations (type 202 for notes, 194 for calls); an error for anything else.
    func noteAssociations(_ list: [JSON]?, kind: Engagement = .notes) -> Result<[String], Reply> {
        var ids: [String] = []
        for association in list ?? [] {
            let id = association["to"]?["id"]?.propertyString ?? ""
            let types = association["types"]?.array ?? []
            guard types.contains(where: { $0["associationTypeId"]?.int == kind.associationTypeId && $0["associationCategory"]?.string == "HUBSPOT_DEFINED" })
            else {
                return .failure(HubSpotError.validation("Invalid association type for \(kind.objectName.lowercased()) to contact: use HUBSPOT_DEFINED \(kind.associationTypeId)."))
            }
            guard contacts[id] != nil else {
                return .failure(HubSpotError.validation("One or more associations are invalid: contact \(id) does not exist."))
            }
            if !ids.contains(id) { ids.append(id) }
        }
        return .success(ids)
    }

    func insertNote(_ values: [String: String], contactIds: [String], caller: HubSpotCaller, now: Date = Date(), kind: Engagement = .notes) -> HubSpotRecord {
        let id = newId()
        var properties = values.filter { !$0.value.isEmpty }
        properties["hs_object_id"] = id
        properties["hs_createdate"] = Timestamps.iso(now)
        properties["hs_lastmodifieddate"] = Timestamps.iso(now)
        properties["hs_body_preview"] = String((values[kind.bodyProperty] ?? "").prefix(200))
        properties["hs_object_source"] = "INTEGRATION"
        properties["hs_object_source_label"] = "INTEGRATION"
        properties["hs_object_source_id"] = String(caller.appId)
        let record = HubSpotRecord(id: id, properties: properties, createdAt: now, updatedAt: now, associations: contactIds)
        store(record, as: kind)
        for contact in contactIds { contacts[contact]?.associations.append(id) }
        return record
    }

    func mergeNote(_ id: String, _ values: [String: String], now: Date = Date(), kind: Engagement = .notes) -> HubSpotRecord {
        var record = engagements(kind)[id]!
        for (name, value) in values { record.properties[name] = value.isEmpty ? nil : value }
        if values[kind.bodyProperty] != nil { record.properties["hs_body_preview"] = String((values[kind.bodyProperty] ?? "").prefix(200)) }
        record.properties["hs_lastmodifieddate"] = Timestamps.iso(now)
        record.updatedAt = now
        store(record, as: kind)
        return record
    }

    func createNote(_ body: JSON?, caller: HubSpotCaller, kind: Engagement = .notes) -> Reply {
        switch prepareNote(body, kind: kind) {
        case .failure(let reply): return reply
        case .success(let (values, contactIds)):
            return Reply(.created, noteJSON(insertNote(values, contactIds: contactIds, caller: caller, kind: kind), kind: kind))
        }
    }

    private func prepareNote(_ body: JSON?, kind: Engagement) -> Result<([String: String], [String]), Reply> {
        let values: [String: String]
        switch validateNoteProperties(body?["properties"]?.object ?? [:], creating: true, kind: kind) {
        case .failure(let reply): return .failure(reply)
        case .success(let found): values = found
        }
        switch noteAssociations(body?["associations"]?.array, kind: kind) {
        case .failure(let reply): return .failure(reply)
        case .success(let ids): return .success((values, ids))
        }
    }

    func readNote(_ id: String, associations: [String], kind: Engagement = .notes) -> Reply {
        guard let record = engagements(kind)[id] else { return HubSpotError.notFound() }
        return Reply(.ok, noteJSON(record, associations: associations, kind: kind))
    }

    func updateNote(_ id: String, body: JSON?, kind: Engagement = .notes) -> Reply {
        guard engagements(kind)[id] != nil else { return HubSpotError.notFound() }
        guard let input = body?["properties"]?.object, !input.isEmpty else {
            return HubSpotError.validation("No properties found to update, please provide at least one.")
        }
        switch validateNoteProperties(input, creating: false, kind: kind) {
        case .failure(let reply): return reply
        case .success(let values): return Reply(.ok, noteJSON(mergeNote(id, values, kind: kind), kind: kind))
        }
    }

    func archiveNote(_ id: String, kind: Engagement = .notes) -> Reply {
        let removed = kind == .notes ? notes.removeValue(forKey: id) : calls.removeValue(forKey: id)
        if let record = removed {
            for contact in record.associations { contacts[contact]?.associations.removeAll { $0 == id } }
        }
        return Reply(.noContent)
    }

    /// Batch create with inline associations; any invalid input fails the whole call.
    func batchCreateNotes(_ body: JSON?, caller: HubSpotCaller, kind: Engagement = .notes) -> Reply {
        withBatch(body) { inputs, started in
            var prepared: [([String: String], [String], String?)] = []
            for input in inputs {
                switch prepareNote(input, kind: kind) {
                case .failure(let reply): return reply
                case .success(let item): prepared.append((item.0, item.1, input["objectWriteTraceId"]?.string))
                }
            }
            let results = prepared.map { values, contactIds, trace -> JSON in
                let json = noteJSON(insertNote(values, contactIds: contactIds, caller: caller, kind: kind), kind: kind)
                guard let trace, case .object(var object) = json else { return json }
                object["objectWriteTraceId"] = .string(trace)
                return .object(object)
            }
            return batchReply(results: results, errors: [], successStatus: .created, started: started)
        }
    }

    /// Batch update by id; unknown ids give a 207.
    func batchUpdateNotes(_ body: JSON?, kind: Engagement = .notes) -> Reply {
        withBatch(body) { inputs, started in
            var results: [JSON] = []
            var errors: [JSON] = []
            for input in inputs {
                let id = input["id"]?.string ?? ""
                guard engagements(kind)[id] != nil else {
                    errors.append(Self.batchError("OBJECT_NOT_FOUND", "Object not found. objectId are usually numeric.", context: ["id": [id]]))
                    continue
                }
                switch validateNoteProperties(input["properties"]?.object ?? [:], creating: false, kind: kind) {
                case .failure(let reply):
                    errors.append(Self.batchError("VALIDATION_ERROR", reply.body?["message"]?.string ?? "invalid", context: ["id": [id]]))
                case .success(let values):
                    results.append(noteJSON(mergeNote(id, values, kind: kind), kind: kind))
                }
            }
            return batchReply(results: results, errors: errors, started: started)
        }
    }
}
