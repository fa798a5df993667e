/// Counts requests by route, e.g. `GET /crm/v3/objects/contacts/{id}`.
struct RequestLog: Sendable {
    private(set) var total = 0
    private(set) var byRoute: [String: Int] = [:]
    private(set) var byStatus: [Int: Int] = [:]

    mutating func record(_ route: String) {
        total += 1
        byRoute[route, default: 0] += 1
    }

    mutating func record(status: Int) {
        byStatus[status, default: 0] += 1
    }

    var json: JSON {
        [
            "total": .int(total), "byRoute": .object(byRoute.mapValues { .int($0) }),
            "byStatus": .object(Dictionary(uniqueKeysWithValues: byStatus.map { (String($0.key), JSON.int($0.value)) })),
        ]
    }
}
