import Foundation
import Hummingbird

extension HubSpotState {
    /// The envelope of a batch answer: 200 (201 for creates) when every input succeeded, 207 otherwise.
    func batchReply(results: [JSON], errors: [JSON], successStatus: HTTPResponse.Status = .ok, started: Date) -> Reply {
        var body: [String: JSON] = [
            "status": "COMPLETE", "results": .array(results), "startedAt": .string(Timestamps.iso(started)),
            "completedAt": .string(Timestamps.iso(Date())),
        ]
        guard errors.isEmpty else {
            body["numErrors"] = .int(errors.count)
            body["errors"] = .array(errors)
            return Reply(HTTPResponse.Status(code: 207), .object(body))
        }
        return Reply(successStatus, .object(body))
    }

    /// One per-input error of a batch answer.
    static func batchError(_ category: String, _ message: String, context: [String: [String]] = [:], status: String = "error")
        -> JSON
    {
        [
            "status": .string(status), "category": .string(category), "message": .string(message),
            "context": .object(context.mapValues { .array($0.map(JSON.string)) }),
        ]
    }

    /// Runs `operation` on the batch's `inputs` once they are present and within the batch limit.
    func withBatch(_ body: JSON?, _ operation: (_ inputs: [JSON], _ started: Date) -> Reply) -> Reply {
        let started = Date()
        guard let inputs = body?["inputs"]?.array else { return HubSpotError.validation("inputs is required.") }
        guard inputs.count <= configuration.batchLimit else {
            return HubSpotError.validation("Batch input cannot be larger than \(configuration.batchLimit) inputs.")
        }
        return operation(inputs, started)
    }

    func batchReadContacts(_ body: JSON?) -> Reply {
        withBatch(body) { inputs, started in
            let idProperty = body?["idProperty"]?.string
            var requested = body?["properties"]?.array?.compactMap(\.string) ?? Self.defaultContactProperties
            if idProperty == "email", !requested.contains("email") { requested.append("email") }
            var results: [JSON] = []
            var missing: [String] = []
            for input in inputs {
                guard let id = input["id"]?.string else { continue }
                switch resolveContact(id, idProperty: idProperty) {
                case .success(let found): results.append(contactJSON(contacts[found]!, properties: requested))
                case .failure(let reply) where reply.status == .badRequest: return reply
                case .failure: missing.append(id)
                }
            }
            let errors = missing.isEmpty ? [] : [
                Self.batchError(
                    "OBJECT_NOT_FOUND", "Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.",
                    context: ["ids": missing])
            ]
            return batchReply(results: results, errors: errors, started: started)
        }
    }

    /// Batch create. An invalid input fails the whole call unless every input carries an
    /// `objectWriteTraceId`, which turns per-input failures into a 207.
    func batchCreateContacts(_ body: JSON?, caller: HubSpotCaller) -> Reply {
        withBatch(body) { inputs, started in
            let traced = !inputs.isEmpty && inputs.allSatisfy { $0["objectWriteTraceId"]?.string != nil }
            var accepted: [(values: [String: String], trace: String?)] = []
            var errors: [JSON] = []
            var claimed: [String: String] = [:]
            for input in inputs {
                let trace = input["objectWriteTraceId"]?.string
                let (values, problems) = validateContactProperties(input["properties"]?.object ?? [:])
                var failure: Reply?
                if !problems.isEmpty {
                    failure = HubSpotError.invalidProperties(problems)
                } else if let conflict = duplicateEmail(in: values) {
                    failure = conflict
                } else if let email = values["email"], !email.isEmpty, claimed[email] != nil {
                    failure = HubSpotError.validation("Duplicate email in batch input: \(email)")
                }
                if let failure {
                    guard traced else { return failure }
                    errors.append(
                        Self.batchError(
                            failure.status == .conflict ? "CONFLICT" : "VALIDATION_ERROR", failure.body?["message"]?.string ?? "invalid",
                            context: ["objectWriteTraceId": [trace ?? ""]]))
                    continue
                }
                if let email = values["email"], !email.isEmpty { claimed[email] = trace ?? "" }
                accepted.append((values, trace))
            }
            let results = accepted.map { item -> JSON in
                var json = contactJSON(insertContact(item.values, caller: caller), properties: nil)
                if let trace = item.trace, case .object(var object) = json {
                    object["objectWriteTraceId"] = .string(trace)
                    json = .object(object)
                }
                return json
            }
            return batchReply(results: results, errors: errors, successStatus: .created, started: started)
        }
    }

    /// Batch update by record id; per-input failures give a 207.
    func batchUpdateContacts(_ body: JSON?) -> Reply {
        withBatch(body) { inputs, started in
            var results: [JSON] = []
            var errors: [JSON] = []
            for input in inputs {
                let id = input["id"]?.string ?? ""
                if let idProperty = input["idProperty"]?.string ?? body?["idProperty"]?.string, idProperty != "hs_object_id" {
                    return HubSpotError.validation(
                        "Unable to perform update/upsert by non-unique 0-1 property \(idProperty) in portal ID \(configuration.portalId)")
                }
                guard contacts[id] != nil else {
                    errors.append(Self.batchError("OBJECT_NOT_FOUND", "Object not found. objectId are usually numeric.", context: ["id": [id]]))
                    continue
                }
                let (values, problems) = validateContactProperties(input["properties"]?.object ?? [:])
                if !problems.isEmpty {
                    errors.append(
                        Self.batchError(
                            "VALIDATION_ERROR", HubSpotError.invalidProperties(problems).body?["message"]?.string ?? "invalid",
                            context: ["id": [id]]))
                    continue
                }
                if let conflict = duplicateEmail(in: values, excluding: id) {
                    errors.append(Self.batchError("CONFLICT", conflict.body?["message"]?.string ?? "conflict", context: ["id": [id]]))
                    continue
                }
                results.append(contactJSON(mergeContact(id, values), properties: nil))
            }
            return batchReply(results: results, errors: errors, started: started)
        }
    }

    /// Batch upsert by `idProperty=email`: updates the contact whose primary email matches, creates one
    /// otherwise; each result says whether it is `new`.
    func batchUpsertContacts(_ body: JSON?, caller: HubSpotCaller) -> Reply {
        withBatch(body) { inputs, started in
            let keys = inputs.map { ($0["id"]?.string ?? "").lowercased() }
            let duplicates = Set(keys.filter { key in keys.filter { $0 == key }.count > 1 })
            if !duplicates.isEmpty {
                return HubSpotError.validation("Duplicate IDs found in batch input: [\(duplicates.sorted().joined(separator: ", "))]")
            }
            var results: [JSON] = []
            var errors: [JSON] = []
            for (input, key) in zip(inputs, keys) {
                guard input["idProperty"]?.string == "email" else {
                    return HubSpotError.validation(
                        "Unable to perform update/upsert by non-unique 0-1 property \(input["idProperty"]?.string ?? "hs_object_id") in portal ID \(configuration.portalId)")
                }
                var (values, problems) = validateContactProperties(input["properties"]?.object ?? [:])
                if !EmailSyntax.isPlausible(key) {
                    problems.append(PropertyProblem(name: "email", code: "INVALID_EMAIL", message: "Email address \(key) is invalid"))
                }
                if !problems.isEmpty {
                    errors.append(
                        Self.batchError(
                            "VALIDATION_ERROR", HubSpotError.invalidProperties(problems).body?["message"]?.string ?? "invalid",
                            context: ["id": [key]]))
                    continue
                }
                if let existing = primaryEmails[key] {
                    values["email"] = nil
                    results.append(Self.marked(contactJSON(mergeContact(existing, values), properties: nil), new: false))
                } else if let owner = emailOwner(key) {
                    errors.append(
                        Self.batchError("CONFLICT", "Contact already exists. Existing ID: \(owner)", context: ["id": [key]]))
                } else {
                    values["email"] = key
                    results.append(Self.marked(contactJSON(insertContact(values, caller: caller), properties: nil), new: true))
                }
            }
            return batchReply(results: results, errors: errors, started: started)
        }
    }

    func batchArchiveContacts(_ body: JSON?) -> Reply {
        for input in body?["inputs"]?.array ?? [] {
            if let id = input["id"]?.string { deleteContact(id) }
        }
        return Reply(.noContent)
    }

    private static func marked(_ json: JSON, new: Bool) -> JSON {
        guard case .object(var object) = json else { return json }
        object["new"] = .bool(new)
        return .object(object)
    }
}

