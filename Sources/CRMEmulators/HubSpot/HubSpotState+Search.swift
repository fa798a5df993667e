import Foundation

extension HubSpotState {
    /// `POST /crm/v3/objects/contacts/search`: filter groups are ORed, filters within a group ANDed.
    /// An `email` filter also matches `hs_additional_emails`, as HubSpot's search does.
    func searchContacts(_ body: JSON?) -> Reply {
        let groups = body?["filterGroups"]?.array ?? []
        guard groups.count <= 5 else { return HubSpotError.validation("Too many filter groups (max 5).") }
        var filters: [[JSON]] = []
        for group in groups {
            let list = group["filters"]?.array ?? []
            for filter in list {
                guard let name = filter["propertyName"]?.string, property(named: name) != nil else {
                    return HubSpotError.validation("There was a problem with the request: unknown property '\(filter["propertyName"]?.string ?? "")'.")
                }
                let operators: Set = ["EQ", "NEQ", "IN", "NOT_IN", "HAS_PROPERTY", "NOT_HAS_PROPERTY"]
                guard let op = filter["operator"]?.string, operators.contains(op) else {
                    return HubSpotError.validation("Unsupported operator '\(filter["operator"]?.string ?? "")'.")
                }
            }
            filters.append(list)
        }
        let matching = contacts.values
            .filter { record in filters.isEmpty || filters.contains { group in group.allSatisfy { Self.matches(record, $0) } } }
            .sorted { (Int($0.id) ?? 0) < (Int($1.id) ?? 0) }
        let limit = min(max(body?["limit"]?.int ?? 10, 1), 200)
        let offset = body?["after"]?.int ?? 0
        let page = matching.dropFirst(offset).prefix(limit)
        let requested = body?["properties"]?.array?.compactMap(\.string)
        var response: [String: JSON] = [
            "total": .int(matching.count),
            "results": .array(page.map { contactJSON($0, properties: requested ?? Self.defaultContactProperties) }),
        ]
        if offset + limit < matching.count {
            response["paging"] = ["next": ["after": .string(String(offset + limit))]]
        }
        return Reply(.ok, .object(response))
    }

    private static func matches(_ record: HubSpotRecord, _ filter: JSON) -> Bool {
        let name = filter["propertyName"]?.string ?? ""
        var candidates = [record.properties[name]].compactMap { $0?.lowercased() }
        if name == "email" {
            candidates += (record.properties["hs_additional_emails"] ?? "").split(separator: ";")
                .map { $0.trimmingCharacters(in: .whitespaces).lowercased() }
        }
        let value = filter["value"]?.propertyString?.lowercased()
        let values = (filter["values"]?.array ?? []).compactMap { $0.propertyString?.lowercased() }
        switch filter["operator"]?.string {
        case "EQ": return value.map(candidates.contains) ?? false
        case "NEQ": return !(value.map(candidates.contains) ?? false)
        case "IN": return candidates.contains(where: values.contains)
        case "NOT_IN": return !candidates.contains(where: values.contains)
        case "HAS_PROPERTY": return record.properties[name] != nil
        case "NOT_HAS_PROPERTY": return record.properties[name] == nil
        default: return false
        }
    }
}
