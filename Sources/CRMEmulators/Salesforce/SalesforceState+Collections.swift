import Foundation

extension SalesforceState {
    static let collectionLimit = 200

    private static func rolledBack() -> SalesforceProblem {
        SalesforceProblem(
            code: "ALL_OR_NONE_OPERATION_ROLLED_BACK",
            message: "Record rolled back because not all records were valid and the request was using AllOrNone header")
    }

    private func collectionRecords(_ body: JSON?) -> Result<(records: [JSON], allOrNone: Bool), Reply> {
        guard let records = body?["records"]?.array else {
            return .failure(SalesforceProblem.reply(.badRequest, [SalesforceProblem(code: "JSON_PARSER_ERROR", message: "records is required")]))
        }
        guard records.count <= Self.collectionLimit else {
            return .failure(SalesforceProblem.reply(.badRequest, [
                SalesforceProblem(
                    code: "EXCEEDED_ID_LIMIT",
                    message: "EXCEEDED_ID_LIMIT: record limit reached. cannot submit more than \(Self.collectionLimit) records into this call")
            ]))
        }
        return .success((records, body?["allOrNone"]?.bool ?? false))
    }

    private func checkType(_ record: JSON) -> SalesforceProblem? {
        let type = record["attributes"]?["type"]?.string
        guard type == "Contact" || type == "Task" else {
            return SalesforceProblem(code: "INVALID_TYPE", message: "sObject type '\(type ?? "")' is not supported. Each record needs attributes.type.")
        }
        return nil
    }

    private static func isTask(_ record: JSON) -> Bool { record["attributes"]?["type"]?.string == "Task" }

    /// `POST /composite/sobjects`: creates up to 200 contacts; results in request order.
    func createCollection(_ body: JSON?, caller: SalesforceCaller, allowSave: Bool) -> Reply {
        let records: [JSON]
        let allOrNone: Bool
        switch collectionRecords(body) {
        case .failure(let reply): return reply
        case .success(let value): (records, allOrNone) = value
        }
        var outcomes: [Result<[String: JSON], SalesforceProblem>] = []
        var pending: [String: String] = [:]
        for (index, record) in records.enumerated() {
            if let problem = checkType(record) {
                outcomes.append(.failure(problem))
                continue
            }
            var input = record.object ?? [:]
            input["attributes"] = nil
            if Self.isTask(record) {
                switch validateTask(input, creating: true) {
                case .invalid(let problems): outcomes.append(.failure(problems[0]))
                case .valid(var values):
                    values["attributes"] = "Task"
                    outcomes.append(.success(values))
                }
                continue
            }
            switch validate(input, creating: true) {
            case .invalid(let problems):
                outcomes.append(.failure(problems[0]))
            case .valid(let values):
                if let problem = duplicate(email: values["Email"], excluding: nil, allowSave: allowSave, pending: pending) {
                    outcomes.append(.failure(problem))
                } else {
                    if let email = values["Email"]?.string?.lowercased() { pending[email] = "pending-\(index)" }
                    outcomes.append(.success(values))
                }
            }
        }
        let failed = outcomes.contains { if case .failure = $0 { true } else { false } }
        return Reply(.ok, .array(outcomes.map { outcome in
            switch outcome {
            case .failure(let problem):
                return ["success": false, "errors": [problem.collectionJSON]]
            case .success where allOrNone && failed:
                return ["success": false, "errors": [Self.rolledBack().collectionJSON]]
            case .success(var values):
                if values.removeValue(forKey: "attributes") != nil {
                    return ["id": .string(insertTask(values, caller: caller)), "success": true, "errors": []]
                }
                return ["id": .string(insert(values, caller: caller)), "success": true, "errors": []]
            }
        }))
    }

    /// `PATCH /composite/sobjects`: updates up to 200 contacts by id; results in request order.
    func updateCollection(_ body: JSON?, caller: SalesforceCaller, allowSave: Bool) -> Reply {
        let records: [JSON]
        let allOrNone: Bool
        switch collectionRecords(body) {
        case .failure(let reply): return reply
        case .success(let value): (records, allOrNone) = value
        }
        var outcomes: [(id: String?, result: Result<[String: JSON], SalesforceProblem>)] = []
        for record in records {
            if let problem = checkType(record) {
                outcomes.append((nil, .failure(problem)))
                continue
            }
            var input = record.object ?? [:]
            input["attributes"] = nil
            let rawId = (input.removeValue(forKey: "id") ?? input.removeValue(forKey: "Id"))?.string ?? ""
            if Self.isTask(record) {
                switch locateTask(rawId) {
                case .failure(let problem): outcomes.append((nil, .failure(problem)))
                case .success(let id):
                    switch validateTask(input, creating: false) {
                    case .invalid(let problems): outcomes.append((id, .failure(problems[0])))
                    case .valid(var values):
                        values["attributes"] = "Task"
                        outcomes.append((id, .success(values)))
                    }
                }
                continue
            }
            let id: String
            switch locate(rawId) {
            case .failure(let reply):
                let first = reply.body?.array?.first
                outcomes.append((nil, .failure(SalesforceProblem(
                    code: first?["errorCode"]?.string ?? "NOT_FOUND", message: first?["message"]?.string ?? "invalid id", fields: ["Id"]))))
                continue
            case .success(let found):
                id = found
            }
            switch validate(input, creating: false, current: self.records[id]) {
            case .invalid(let problems):
                outcomes.append((id, .failure(problems[0])))
            case .valid(let values):
                if values["Email"] != nil, let problem = duplicate(email: values["Email"], excluding: id, allowSave: allowSave) {
                    outcomes.append((id, .failure(problem)))
                } else {
                    outcomes.append((id, .success(values)))
                }
            }
        }
        let failed = outcomes.contains { if case .failure = $0.result { true } else { false } }
        return Reply(.ok, .array(outcomes.map { outcome in
            let idJSON = outcome.id.map(JSON.string) ?? .null
            switch outcome.result {
            case .failure(let problem):
                return ["id": idJSON, "success": false, "errors": [problem.collectionJSON]]
            case .success where allOrNone && failed:
                return ["id": idJSON, "success": false, "errors": [Self.rolledBack().collectionJSON]]
            case .success(var values):
                if values.removeValue(forKey: "attributes") != nil {
                    applyTask(values, to: outcome.id!)
                } else {
                    apply(values, to: outcome.id!, caller: caller)
                }
                return ["id": idJSON, "success": true, "errors": []]
            }
        }))
    }
}
