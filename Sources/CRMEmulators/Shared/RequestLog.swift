/// Counts requests by route, e.g. `GET /crm/v3/objects/contacts/{id}`.
struct RequestLog: Sendable {
    private(set) var total = 0
    private(set) var byRoute: [String: Int] = [:]

    mutating func record(_ route: String) {
        total += 1
        byRoute[route, default: 0] += 1
    }

    var json: JSON {
        ["total": .int(total), "byRoute": .object(byRoute.mapValues { .int($0) })]
    }
}
