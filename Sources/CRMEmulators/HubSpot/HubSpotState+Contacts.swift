import Foundation

extension HubSpotState {
    static let defaultContactProperties = ["createdate", "email", "firstname", "hs_object_id", "lastmodifieddate", "lastname"]
    static let systemProperties = ["hs_object_id", "createdate", "lastmodifieddate"]

    // MARK: Views

    func contactJSON(_ record: HubSpotRecord, properties requested: [String]?, associations: [String] = []) -> JSON {
        var shown: [String: JSON] = [:]
        if let requested {
            for name in requested + Self.systemProperties { shown[name] = record.properties[name].map(JSON.string) ?? .null }
        } else {
            for (name, value) in record.properties { shown[name] = .string(value) }
        }
        var object: [String: JSON] = [
            "id": .string(record.id), "properties": .object(shown), "createdAt": .string(Timestamps.iso(record.createdAt)),
            "updatedAt": .string(Timestamps.iso(record.updatedAt)), "archived": false,
            "url": .string("https://app.hubspot.com/contacts/\(configuration.portalId)/record/0-1/\(record.id)"),
        ]
        var listed: [String: JSON] = [:]
        for kind in Engagement.allCases where associations.contains(kind.rawValue) {
            let ids = record.associations.filter { engagements(kind)[$0] != nil }
            if !ids.isEmpty {
                let label = kind == .notes ? "contact_to_note" : "contact_to_call"
                listed[kind.rawValue] = ["results": .array(ids.map { ["id": .string($0), "type": .string(label)] })]
            }
        }
        if !listed.isEmpty { object["associations"] = .object(listed) }
        return .object(object)
    }

    // MARK: Lookup

    /// The contact id that `id` names under `idProperty` (record id by default; `email` matches primary emails).
    func resolveContact(_ id: String, idProperty: String?) -> Result<String, Reply> {
        switch idProperty {
        case nil, "hs_object_id":
            return contacts[id] == nil ? .failure(HubSpotError.notFound()) : .success(id)
        case "email":
            guard let found = primaryEmails[id.lowercased()] else { return .failure(HubSpotError.notFound()) }
            return .success(found)
        case let other?:
            return .failure(
                HubSpotError.validation(
                    "Unable to perform update/upsert by non-unique 0-1 property \(other) in portal ID \(configuration.portalId)"))
        }
    }

    /// The contact other than `excluding` that already has `email` as a primary or additional address.
    func emailOwner(_ email: String, excluding: String? = nil) -> String? {
        let key = email.lowercased()
        for owner in [primaryEmails[key], additionalEmails[key]] {
            if let owner, owner != excluding { return owner }
        }
        return nil
    }

    // MARK: Validation

    /// Checks property values against the schema: unknown, read-only, invalid email, invalid option.
    func validateContactProperties(_ input: [String: JSON]) -> (values: [String: String], problems: [PropertyProblem]) {
        var values: [String: String] = [:]
        var problems: [PropertyProblem] = []
        for name in input.keys.sorted() {
            let raw = input[name]!
            guard let property = property(named: name) else {
                problems.append(PropertyProblem(name: name, code: "PROPERTY_DOESNT_EXIST", message: "Property \"\(name)\" does not exist"))
                continue
            }
            if property.readOnlyValue {
                problems.append(
                    PropertyProblem(name: name, code: "READ_ONLY_VALUE", message: "\(name) is a read only property; its value cannot be set."))
                continue
            }
            guard let value = raw.isNull ? "" : raw.propertyString else {
                problems.append(PropertyProblem(name: name, code: "INVALID_PROPERTY_VALUE", message: "\(name) must be a string."))
                continue
            }
            if name == "email", !value.isEmpty, !EmailSyntax.isPlausible(value) {
                problems.append(PropertyProblem(name: name, code: "INVALID_EMAIL", message: "Email address \(value) is invalid"))
                continue
            }
            if property.type == "enumeration", name != "hs_additional_emails", !value.isEmpty {
                let chosen = value.split(separator: ";").map(String.init)
                if let bad = chosen.first(where: { !property.options.contains($0) }) {
                    problems.append(
                        PropertyProblem(
                            name: name, code: "INVALID_OPTION",
                            message: "\(bad) was not one of the allowed options: [\(property.options.joined(separator: ", "))]"))
                    continue
                }
            }
            values[name] = name == "email" ? value.lowercased() : value
        }
        return (values, problems)
    }

    // MARK: Writes

    /// Creates a contact after validation and the uniqueness check have passed.
    func insertContact(_ values: [String: String], caller: HubSpotCaller, now: Date = Date()) -> HubSpotRecord {
        let id = newId()
        var properties = values.filter { !$0.value.isEmpty }
        properties["hs_object_id"] = id
        properties["createdate"] = Timestamps.iso(now)
        properties["lastmodifieddate"] = Timestamps.iso(now)
        properties["hs_object_source"] = "INTEGRATION"
        properties["hs_object_source_label"] = "INTEGRATION"
        properties["hs_object_source_id"] = String(caller.appId)
        let record = HubSpotRecord(id: id, properties: properties, createdAt: now, updatedAt: now)
        contacts[id] = record
        index(record)
        refreshDerived(id)
        return contacts[id]!
    }

    /// Merges `values` into a contact (an empty string clears a property).
    func mergeContact(_ id: String, _ values: [String: String], now: Date = Date()) -> HubSpotRecord {
        var record = contacts[id]!
        unindex(record)
        for (name, value) in values {
            record.properties[name] = value.isEmpty ? nil : value
        }
        record.properties["lastmodifieddate"] = Timestamps.iso(now)
        record.updatedAt = now
        contacts[id] = record
        index(record)
        refreshDerived(id)
        return contacts[id]!
    }

    func deleteContact(_ id: String) {
        guard let record = contacts.removeValue(forKey: id) else { return }
        unindex(record)
    }

    private func index(_ record: HubSpotRecord) {
        if let email = record.properties["email"] { primaryEmails[email.lowercased()] = record.id }
        for extra in Self.additional(record) { additionalEmails[extra] = record.id }
    }

    private func unindex(_ record: HubSpotRecord) {
        if let email = record.properties["email"], primaryEmails[email.lowercased()] == record.id {
            primaryEmails[email.lowercased()] = nil
        }
        for extra in Self.additional(record) where additionalEmails[extra] == record.id { additionalEmails[extra] = nil }
    }

    private static func additional(_ record: HubSpotRecord) -> [String] {
        (record.properties["hs_additional_emails"] ?? "").split(separator: ";").map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
            .filter { !$0.isEmpty }
    }

    /// Calculated properties.
    private func refreshDerived(_ id: String) {
        guard var record = contacts[id] else { return }
        record.properties["hs_email_domain"] = record.properties["email"].flatMap { $0.split(separator: "@").last.map(String.init) }
        for (source, kind) in [("phone", "phone"), ("mobilephone", "mobile")] {
            let forms = record.properties[source].flatMap(Self.searchablePhone)
            record.properties["hs_searchable_calculated_\(kind)_number"] = forms?.national
            record.properties["hs_searchable_calculated_international_\(kind)_number"] = forms?.international
        }
        contacts[id] = record
    }

    /// A phone number as HubSpot's searchable phone properties hold it: the digits without formatting, with
    /// the country code (a number written without one is read as the portal's country, the US here) and without.
    static func searchablePhone(_ text: String) -> (international: String, national: String)? {
        let digits = String(text.filter(\.isNumber))
        guard digits.count >= 7 else { return nil }
        if text.trimmingCharacters(in: .whitespaces).hasPrefix("+") {
            return (digits, digits.hasPrefix("1") && digits.count == 11 ? String(digits.dropFirst()) : digits)
        }
        if digits.count == 11, digits.hasPrefix("1") { return (digits, String(digits.dropFirst())) }
        return ("1" + digits, digits)
    }

    /// The error for a write that would give `email` to a second contact.
    func duplicateEmail(in values: [String: String], excluding: String? = nil) -> Reply? {
        guard let email = values["email"], !email.isEmpty, let owner = emailOwner(email, excluding: excluding) else { return nil }
        return HubSpotError.conflict(existingId: owner, extended: configuration.extendedConflictBody)
    }

    // MARK: Single-object endpoints

    func createContact(_ body: JSON?, caller: HubSpotCaller) -> Reply {
        guard let input = body?["properties"]?.object else { return HubSpotError.validation("properties is required.") }
        let (values, problems) = validateContactProperties(input)
        if !problems.isEmpty { return HubSpotError.invalidProperties(problems) }
        if let conflict = duplicateEmail(in: values) { return conflict }
        let record = insertContact(values, caller: caller)
        return Reply(.created, contactJSON(record, properties: nil))
    }

    func readContact(_ id: String, idProperty: String?, properties: [String]?, associations: [String]) -> Reply {
        switch resolveContact(id, idProperty: idProperty) {
        case .failure(let reply): return reply
        case .success(let found):
            return Reply(.ok, contactJSON(contacts[found]!, properties: properties ?? Self.defaultContactProperties, associations: associations))
        }
    }

    func updateContact(_ id: String, idProperty: String?, body: JSON?) -> Reply {
        let found: String
        switch resolveContact(id, idProperty: idProperty) {
        case .failure(let reply): return reply
        case .success(let value): found = value
        }
        guard let input = body?["properties"]?.object, !input.isEmpty else {
            return HubSpotError.validation("No properties found to update, please provide at least one.")
        }
        let (values, problems) = validateContactProperties(input)
        if !problems.isEmpty { return HubSpotError.invalidProperties(problems) }
        if let conflict = duplicateEmail(in: values, excluding: found) { return conflict }
        return Reply(.ok, contactJSON(mergeContact(found, values), properties: nil))
    }

    func archiveContact(_ id: String) -> Reply {
        deleteContact(id)
        return Reply(.noContent)
    }

    func listContacts(limit: Int?, after: String?, properties: [String]?) -> Reply {
        let size = min(max(limit ?? 10, 1), 100)
        let start = after.flatMap(Int.init) ?? 0
        let ordered = contacts.values.filter { (Int($0.id) ?? 0) > start }.sorted { (Int($0.id) ?? 0) < (Int($1.id) ?? 0) }
        let page = ordered.prefix(size)
        var body: [String: JSON] = [
            "results": .array(page.map { contactJSON($0, properties: properties ?? Self.defaultContactProperties) })
        ]
        if ordered.count > size, let last = page.last {
            body["paging"] = ["next": ["after": .string(last.id), "link": .string("/crm/v3/objects/contacts?after=\(last.id)")]]
        }
        return Reply(.ok, .object(body))
    }
}

/// A plausibility check for email addresses, as HubSpot validates them: one `@`, no spaces or quotes,
/// a dotted domain ending in an alphabetic TLD.
enum EmailSyntax {
    static func isPlausible(_ email: String) -> Bool {
        let parts = email.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, parts[0].count <= 64,
            !email.contains(where: { $0.isWhitespace || $0 == "\"" || $0 == "," || $0 == "<" || $0 == ">" || $0 == "\\" })
        else { return false }
        let labels = parts[1].split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, labels.allSatisfy({ !$0.isEmpty && !$0.hasPrefix("-") && !$0.hasSuffix("-") }),
            let tld = labels.last, tld.count >= 2, tld.allSatisfy({ $0.isLetter })
        else { return false }
        return true
    }
}
