import Foundation

extension SalesforceField {
    /// The Task schema: the activity fields a logged call uses.
    static let task: [SalesforceField] = [
        .init(name: "Id", label: "Activity ID", type: "id", length: 18, createable: false, updateable: false, nillable: false, defaultedOnCreate: true, idLookup: true),
        .init(name: "IsDeleted", label: "Deleted", type: "boolean", createable: false, updateable: false, nillable: false, defaultedOnCreate: true),
        .init(name: "WhoId", label: "Name ID", type: "reference", length: 18, referenceTo: ["Contact", "Lead"]),
        .init(name: "Subject", label: "Subject", type: "combobox", length: 255, picklistValues: ["Call", "Send Letter", "Send Quote", "Other"]),
        .init(name: "ActivityDate", label: "Due Date Only", type: "date"),
        .init(
            name: "Status", label: "Status", type: "picklist", length: 255, nillable: false, defaultedOnCreate: true, restrictedPicklist: true,
            picklistValues: ["Not Started", "In Progress", "Completed", "Waiting on someone else", "Deferred"]),
        .init(
            name: "Priority", label: "Priority", type: "picklist", length: 40, nillable: false, defaultedOnCreate: true, restrictedPicklist: true,
            picklistValues: ["High", "Normal", "Low"]),
        .init(name: "Description", label: "Description", type: "textarea", length: 32_000, filterable: false, extraTypeInfo: "plaintextarea"),
        .init(
            name: "TaskSubtype", label: "Task Subtype", type: "picklist", length: 40, updateable: false, restrictedPicklist: true,
            picklistValues: ["Task", "Email", "ListEmail", "Cadence", "Call", "LinkedIn"]),
        .init(name: "CallDurationInSeconds", label: "Call Duration", type: "int"),
        .init(name: "CallType", label: "Call Type", type: "picklist", length: 40, restrictedPicklist: true, picklistValues: ["Internal", "Inbound", "Outbound"]),
        .init(name: "CallObject", label: "Call Object Identifier", type: "string", length: 255),
        .init(name: "CreatedDate", label: "Created Date", type: "datetime", createable: false, updateable: false, nillable: false, defaultedOnCreate: true),
        .init(name: "CreatedById", label: "Created By ID", type: "reference", length: 18, createable: false, updateable: false, nillable: false, defaultedOnCreate: true, referenceTo: ["User"]),
        .init(name: "LastModifiedDate", label: "Last Modified Date", type: "datetime", createable: false, updateable: false, nillable: false, defaultedOnCreate: true),
    ]
}

extension SalesforceState {
    /// The sObject types the emulator keeps: Contact and Task.
    enum SObject: String, Sendable {
        case contact = "Contact"
        case task = "Task"

        init?(name: String) {
            switch name.lowercased() {
            case "contact": self = .contact
            case "task": self = .task
            default: return nil
            }
        }

        var fields: [SalesforceField] { self == .contact ? SalesforceField.contact : SalesforceField.task }
        var keyPrefix: String { self == .contact ? "003" : "00T" }
    }

    static let taskSchema = Dictionary(uniqueKeysWithValues: SalesforceField.task.map { ($0.name.lowercased(), $0) })

    /// Task field values for a create or update, or every problem Salesforce would report: known fields of
    /// the right kinds, `WhoId` naming a live contact, the subtype set only on create.
    func validateTask(_ body: [String: JSON], creating: Bool) -> Validated {
        var values: [String: JSON] = [:]
        var problems: [SalesforceProblem] = []
        for key in body.keys.sorted() where key != "attributes" {
            let value = body[key]!
            guard let field = Self.taskSchema[key.lowercased()], key.lowercased() != "id" else {
                problems.append(SalesforceProblem(code: "INVALID_FIELD", message: "No such column '\(key)' on sobject of type Task", fields: [key]))
                continue
            }
            guard creating ? field.createable : field.updateable else {
                problems.append(SalesforceProblem(
                    code: "INVALID_FIELD_FOR_INSERT_UPDATE", message: "Unable to create/update fields: \(field.name).", fields: [field.name]))
                continue
            }
            if let problem = check(value, for: field) {
                problems.append(problem)
                continue
            }
            values[field.name] = value.string == "" ? .null : value
        }
        if let who = values["WhoId"]?.string {
            let live = SalesforceIds.canonical(who).flatMap { records[$0] }.map { !$0.deleted } ?? false
            if !live {
                problems.append(SalesforceProblem(
                    code: "FIELD_INTEGRITY_EXCEPTION", message: "Name ID: id value of incorrect type: \(who)", fields: ["WhoId"]))
            }
        }
        if creating {
            if values["Status"] == nil { values["Status"] = "Not Started" }
            if values["Priority"] == nil { values["Priority"] = "Normal" }
        }
        return problems.isEmpty ? .valid(values) : .invalid(problems)
    }

    func insertTask(_ values: [String: JSON], caller: SalesforceCaller, now: Date = Date()) -> String {
        let (id, serial) = nextId(prefix: "00T")
        var fields = values
        let stamp = JSON.string(Timestamps.salesforce(now))
        fields["Id"] = .string(id)
        fields["IsDeleted"] = false
        fields["CreatedDate"] = stamp
        fields["CreatedById"] = .string(caller.userId)
        fields["LastModifiedDate"] = stamp
        tasks[id] = SalesforceRecord(id: id, fields: fields, serial: serial)
        return id
    }

    /// The live task `rawId` names, or the error Salesforce gives for it.
    func locateTask(_ rawId: String) -> Result<String, SalesforceProblem> {
        guard let id = SalesforceIds.canonical(rawId), id.hasPrefix("00T") else {
            return .failure(SalesforceProblem(code: "MALFORMED_ID", message: "Task ID: id value of incorrect type: \(rawId)", fields: ["Id"]))
        }
        guard let task = tasks[id] else { return .failure(SalesforceProblem(code: "NOT_FOUND", message: "The requested resource does not exist")) }
        if task.deleted { return .failure(SalesforceProblem(code: "ENTITY_IS_DELETED", message: "entity is deleted")) }
        return .success(id)
    }

    func applyTask(_ values: [String: JSON], to id: String, now: Date = Date()) {
        for (name, value) in values { tasks[id]?.fields[name] = value }
        tasks[id]?.fields["LastModifiedDate"] = .string(Timestamps.salesforce(now))
    }

    func taskJSON(_ task: SalesforceRecord, fields names: [String]? = nil, version: String) -> JSON {
        var object: [String: JSON] = ["attributes": ["type": "Task", "url": .string("/services/data/\(version)/sobjects/Task/\(task.id)")]]
        for name in names ?? SalesforceField.task.map(\.name) { object[name] = task.fields[name] ?? .null }
        return .object(object)
    }

    // MARK: REST endpoints

    func createTask(_ body: JSON?, caller: SalesforceCaller) -> Reply {
        guard let input = body?.object else {
            return SalesforceProblem.reply(.badRequest, [SalesforceProblem(code: "JSON_PARSER_ERROR", message: "The request body must be a JSON object.")])
        }
        switch validateTask(input, creating: true) {
        case .invalid(let problems): return SalesforceProblem.reply(.badRequest, problems)
        case .valid(let values): return Reply(.created, ["id": .string(insertTask(values, caller: caller)), "success": true, "errors": []])
        }
    }

    func readTask(_ rawId: String, version: String) -> Reply {
        switch locateTask(rawId) {
        case .failure(let problem): return SalesforceProblem.reply(.notFound, [problem])
        case .success(let id): return Reply(.ok, taskJSON(tasks[id]!, version: version))
        }
    }

    func updateTask(_ rawId: String, body: JSON?) -> Reply {
        let id: String
        switch locateTask(rawId) {
        case .failure(let problem): return SalesforceProblem.reply(.notFound, [problem])
        case .success(let found): id = found
        }
        switch validateTask(body?.object ?? [:], creating: false) {
        case .invalid(let problems): return SalesforceProblem.reply(.badRequest, problems)
        case .valid(let values):
            applyTask(values, to: id)
            return Reply(.noContent)
        }
    }

    func deleteTask(_ rawId: String) -> Reply {
        switch locateTask(rawId) {
        case .failure(let problem): return SalesforceProblem.reply(.notFound, [problem])
        case .success(let id):
            tasks[id]?.deleted = true
            tasks[id]?.fields["IsDeleted"] = true
            return Reply(.noContent)
        }
    }
}
