import Foundation

extension SalesforceState {
    // MARK: Validation

    /// Field values ready to write, or why they cannot be.
    enum Validated {
        case valid([String: JSON])
        case invalid([SalesforceProblem])
    }

    /// Canonical field values for a create or update, or every problem Salesforce would report.
    func validate(_ body: [String: JSON], creating: Bool, current: SalesforceRecord? = nil) -> Validated {
        var values: [String: JSON] = [:]
        var problems: [SalesforceProblem] = []
        for key in body.keys.sorted() where key != "attributes" {
            let value = body[key]!
            if key.lowercased() == "id" {
                problems.append(SalesforceProblem(code: "INVALID_FIELD", message: "The Id field should not be specified in the sobject data.", fields: ["Id"]))
                continue
            }
            guard let field = schema[key.lowercased()] else {
                problems.append(SalesforceProblem(code: "INVALID_FIELD", message: "No such column '\(key)' on sobject of type Contact", fields: [key]))
                continue
            }
            guard creating ? field.createable : field.updateable else {
                problems.append(
                    SalesforceProblem(
                        code: "INVALID_FIELD_FOR_INSERT_UPDATE",
                        message: "Unable to create/update fields: \(field.name). Please check the security settings of this field and verify that it is read/write for your profile or permission set.",
                        fields: [field.name]))
                continue
            }
            if let problem = check(value, for: field) {
                problems.append(problem)
                continue
            }
            values[field.name] = value.string == "" ? .null : value
        }
        let lastName = values["LastName"] ?? (creating ? .null : current?.fields["LastName"] ?? .null)
        if lastName.isNull && (creating || values.keys.contains("LastName")) {
            problems.append(SalesforceProblem(code: "REQUIRED_FIELD_MISSING", message: "Required fields are missing: [LastName]", fields: ["LastName"]))
        }
        return problems.isEmpty ? .valid(values) : .invalid(problems)
    }

    func check(_ value: JSON, for field: SalesforceField) -> SalesforceProblem? {
        if value.isNull { return nil }
        if field.isText {
            guard let text = value.string else {
                return SalesforceProblem(
                    code: "JSON_PARSER_ERROR", message: "Cannot deserialize instance of string from \(value) value for field \(field.name)", fields: [field.name])
            }
            if text.isEmpty { return nil }
            if field.length > 0, text.utf16.count > field.length {
                return SalesforceProblem(
                    code: "STRING_TOO_LONG", message: "\(field.label): data value too large: \(text.prefix(80)) (max length=\(field.length))",
                    fields: [field.name])
            }
            if field.type == "email", !EmailSyntax.isPlausible(text) {
                return SalesforceProblem(code: "INVALID_EMAIL_ADDRESS", message: "\(field.label): invalid email address: \(text)", fields: [field.name])
            }
            if field.type == "picklist", field.restrictedPicklist, !field.picklistValues.contains(text) {
                return SalesforceProblem(
                    code: "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", message: "\(field.label): bad value for restricted picklist field: \(text)",
                    fields: [field.name])
            }
            return nil
        }
        switch field.type {
        case "boolean":
            if value.bool == nil {
                return SalesforceProblem(code: "JSON_PARSER_ERROR", message: "Cannot deserialize instance of boolean from \(value) value", fields: [field.name])
            }
        case "currency", "double", "percent", "int":
            switch value {
            case .int, .double: break
            default:
                return SalesforceProblem(code: "JSON_PARSER_ERROR", message: "Cannot deserialize instance of double from \(value) value", fields: [field.name])
            }
        case "date":
            let text = value.string ?? ""
            let parts = text.split(separator: "-")
            if parts.count != 3 || parts.map(\.count) != [4, 2, 2] || !text.replacingOccurrences(of: "-", with: "").allSatisfy(\.isNumber) {
                return SalesforceProblem(code: "JSON_PARSER_ERROR", message: "Cannot deserialize value of type date from String \"\(text)\"", fields: [field.name])
            }
        default:
            break
        }
        return nil
    }

    // MARK: Duplicate rule

    /// A DUPLICATES_DETECTED problem when the duplicate rule is on and `email` already belongs to another
    /// live contact (or to an earlier record of the same request).
    func duplicate(email: JSON?, excluding: String?, allowSave: Bool, pending: [String: String] = [:]) -> SalesforceProblem? {
        let rule = configuration.duplicateRule
        guard rule != .off, let email = email?.string?.lowercased(), !email.isEmpty else { return nil }
        if rule == .alert && allowSave { return nil }
        let matches = records.values.filter { !$0.deleted && $0.id != excluding && $0.fields["Email"]?.string?.lowercased() == email }
            .map(\.id).sorted() + (pending[email].map { [$0] } ?? [])
        guard !matches.isEmpty else { return nil }
        let message = "You're creating a duplicate record. We recommend you use an existing record instead."
        let result: JSON = [
            "allowSave": .bool(rule == .alert), "duplicateRule": "Standard_Contact_Duplicate_Rule", "duplicateRuleEntityType": "Contact",
            "errorMessage": .string(message),
            "matchResults": [[
                "entityType": "Contact", "errors": [], "matchEngine": "ExactMatchEngine", "rule": "Contact_Email_Match_Rule",
                "size": .int(matches.count), "success": true,
                "matchRecords": .array(matches.map { id in
                    ["additionalInformation": [], "fieldDiffs": [], "matchConfidence": 100.0,
                     "record": ["attributes": ["type": "Contact", "url": .string("/services/data/v62.0/sobjects/Contact/\(id)")], "Id": .string(id)]]
                }),
            ]],
        ]
        return SalesforceProblem(code: "DUPLICATES_DETECTED", message: message, duplicateResult: result)
    }

    // MARK: Records

    func insert(_ values: [String: JSON], caller: SalesforceCaller, now: Date = Date()) -> String {
        let (id, serial) = nextContactId()
        var fields = values
        let stamp = JSON.string(Timestamps.salesforce(now))
        fields["Id"] = .string(id)
        fields["IsDeleted"] = false
        if fields["HasOptedOutOfEmail"] == nil || fields["HasOptedOutOfEmail"] == .null { fields["HasOptedOutOfEmail"] = false }
        fields["CreatedDate"] = stamp
        fields["CreatedById"] = .string(caller.userId)
        fields["LastModifiedDate"] = stamp
        fields["LastModifiedById"] = .string(caller.userId)
        fields["SystemModstamp"] = stamp
        var record = SalesforceRecord(id: id, fields: fields, serial: serial)
        Self.refreshName(&record)
        records[id] = record
        indexEmail(of: record)
        return id
    }

    func apply(_ values: [String: JSON], to id: String, caller: SalesforceCaller, now: Date = Date()) {
        guard var record = records[id] else { return }
        for (name, value) in values { record.fields[name] = value }
        let stamp = JSON.string(Timestamps.salesforce(now))
        record.fields["LastModifiedDate"] = stamp
        record.fields["LastModifiedById"] = .string(caller.userId)
        record.fields["SystemModstamp"] = stamp
        Self.refreshName(&record)
        records[id] = record
        indexEmail(of: record)
    }

    private func indexEmail(of record: SalesforceRecord) {
        guard let email = record.fields["Email"]?.string?.lowercased(), !email.isEmpty else { return }
        emailIndex[email, default: []].insert(record.id)
    }

    /// Records a query can match, when its condition pins the email (`Email = …`, `Email IN (…)`, possibly
    /// ANDed with more); nil when every record must be looked at.
    func candidates(for condition: SOQLCondition?) -> [SalesforceRecord]? {
        guard let emails = Self.pinnedEmails(condition) else { return nil }
        let ids = emails.reduce(into: Set<String>()) { $0.formUnion(emailIndex[$1.lowercased()] ?? []) }
        return ids.compactMap { records[$0] }
    }

    private static func pinnedEmails(_ condition: SOQLCondition?) -> [String]? {
        switch condition {
        case .compare(let field, "=", .string(let email))? where field == "Email": [email]
        case .inList(let field, let values, false)? where field == "Email":
            values.allSatisfy { if case .string = $0 { true } else { false } }
                ? values.compactMap { if case .string(let email) = $0 { email } else { nil } } : nil
        case .and(let left, let right)?: pinnedEmails(left) ?? pinnedEmails(right)
        default: nil
        }
    }

    private static func refreshName(_ record: inout SalesforceRecord) {
        let parts = [record.fields["FirstName"]?.string, record.fields["LastName"]?.string].compactMap { $0 }.filter { !$0.isEmpty }
        record.fields["Name"] = .string(parts.joined(separator: " "))
        let label = [record.fields["Name"]?.string, record.fields["Email"]?.string.map { "<\($0)>" }].compactMap { $0 }
        record.fields["Display_Label__c"] = .string(label.joined(separator: " "))
    }

    /// The live record `rawId` names, or the error Salesforce gives for it.
    func locate(_ rawId: String) -> Result<String, Reply> {
        guard rawId.count == 15 || rawId.count == 18, rawId.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else {
            return .failure(SalesforceProblem.reply(.notFound, [
                SalesforceProblem(code: "NOT_FOUND", message: "Provided external ID field does not exist or is not accessible: \(rawId)")
            ]))
        }
        guard let id = SalesforceIds.canonical(rawId), id.hasPrefix("003") else {
            return .failure(SalesforceProblem.reply(.badRequest, [
                SalesforceProblem(code: "MALFORMED_ID", message: "Contact ID: id value of incorrect type: \(rawId)", fields: ["Id"])
            ]))
        }
        guard let record = records[id] else {
            return .failure(SalesforceProblem.reply(.notFound, [SalesforceProblem(code: "NOT_FOUND", message: "The requested resource does not exist")]))
        }
        if record.deleted {
            return .failure(SalesforceProblem.reply(.notFound, [SalesforceProblem(code: "ENTITY_IS_DELETED", message: "entity is deleted")]))
        }
        return .success(id)
    }

    func recordJSON(_ record: SalesforceRecord, fields names: [String]? = nil, version: String) -> JSON {
        var object: [String: JSON] = [
            "attributes": ["type": "Contact", "url": .string("/services/data/\(version)/sobjects/Contact/\(record.id)")]
        ]
        for name in names ?? SalesforceField.contact.map(\.name) { object[name] = record.fields[name] ?? .null }
        return .object(object)
    }

    // MARK: REST endpoints

    func create(_ body: JSON?, caller: SalesforceCaller, allowSave: Bool) -> Reply {
        guard let input = body?.object else {
            return SalesforceProblem.reply(.badRequest, [SalesforceProblem(code: "JSON_PARSER_ERROR", message: "The request body must be a JSON object.")])
        }
        switch validate(input, creating: true) {
        case .invalid(let problems):
            return SalesforceProblem.reply(.badRequest, problems)
        case .valid(let values):
            if let problem = duplicate(email: values["Email"], excluding: nil, allowSave: allowSave) {
                return SalesforceProblem.reply(.badRequest, [problem])
            }
            return Reply(.created, ["id": .string(insert(values, caller: caller)), "success": true, "errors": []])
        }
    }

    func read(_ rawId: String, fields requested: [String]?, version: String) -> Reply {
        switch locate(rawId) {
        case .failure(let reply): return reply
        case .success(let id):
            var names: [String]?
            if let requested {
                var canonical: [String] = []
                for name in requested {
                    guard let field = schema[name.lowercased()] else {
                        return SalesforceProblem.reply(.badRequest, [
                            SalesforceProblem(code: "INVALID_FIELD", message: "No such column '\(name)' on entity 'Contact'.")
                        ])
                    }
                    canonical.append(field.name)
                }
                names = ["Id"] + canonical.filter { $0 != "Id" }
            }
            return Reply(.ok, recordJSON(records[id]!, fields: names, version: version))
        }
    }

    func update(_ rawId: String, body: JSON?, caller: SalesforceCaller, allowSave: Bool) -> Reply {
        let id: String
        switch locate(rawId) {
        case .failure(let reply): return reply
        case .success(let found): id = found
        }
        guard let input = body?.object else {
            return SalesforceProblem.reply(.badRequest, [SalesforceProblem(code: "JSON_PARSER_ERROR", message: "The request body must be a JSON object.")])
        }
        switch validate(input, creating: false, current: records[id]) {
        case .invalid(let problems):
            return SalesforceProblem.reply(.badRequest, problems)
        case .valid(let values):
            if values["Email"] != nil, let problem = duplicate(email: values["Email"], excluding: id, allowSave: allowSave) {
                return SalesforceProblem.reply(.badRequest, [problem])
            }
            apply(values, to: id, caller: caller)
            return Reply(.noContent)
        }
    }

    func delete(_ rawId: String) -> Reply {
        switch locate(rawId) {
        case .failure(let reply): return reply
        case .success(let id):
            records[id]?.deleted = true
            records[id]?.fields["IsDeleted"] = true
            return Reply(.noContent)
        }
    }

    func query(_ text: String?, version: String) -> Reply {
        guard let text, !text.isEmpty else {
            return SalesforceProblem.reply(.badRequest, [SalesforceProblem(code: "MALFORMED_QUERY", message: "A query string has to be specified")])
        }
        do {
            let parsed = try SOQLParser.parse(text)
            let object = SObject(name: parsed.object)
            let query = try parsed.resolved(against: object == .task ? Self.taskSchema : schema, object: object?.rawValue ?? parsed.object)
            let pool = object == .task ? Array(tasks.values) : candidates(for: query.condition) ?? Array(records.values)
            let live = pool.filter { !$0.deleted }.sorted { $0.serial < $1.serial }
            let selected = query.select(from: live)
            if query.isCount {
                return Reply(.ok, ["totalSize": .int(selected.count), "done": true, "records": []])
            }
            return Reply(.ok, [
                "totalSize": .int(selected.count), "done": true,
                "records": .array(selected.map { object == .task ? taskJSON($0, fields: query.fields, version: version) : recordJSON($0, fields: query.fields, version: version) }),
            ])
        } catch {
            return SalesforceProblem.reply(.badRequest, [SalesforceProblem(code: error.code, message: error.message)])
        }
    }
}
