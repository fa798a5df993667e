/// Counts requests by route, e.g. `GET /crm/v3/objects/contacts/{id}`.
struct RequestLog: Sendable {
    private(set) var total = 0
    private(set) var byRoute: [String: Int] = [:]
    private(set) var byStatus: [Int: Int] = [:]
    /// Sequential round trips: requests that arrived while no other was being answered. Requests a client
    /// sends together (overlapping) count once.
    private(set) var waves = 0
    private var inFlight = 0

    mutating func record(_ route: String) {
        total += 1
        byRoute[route, default: 0] += 1
        if inFlight == 0 { waves += 1 }
        inFlight += 1
    }

    /// A request has been answered (or dropped).
    mutating func finished() {
        inFlight = max(0, inFlight - 1)
    }

    mutating func record(status: Int) {
        byStatus[status, default: 0] += 1
    }

    var json: JSON {
        [
            "total": .int(total), "waves": .int(waves), "byRoute": .object(byRoute.mapValues { .int($0) }),
            "byStatus": .object(Dictionary(uniqueKeysWithValues: byStatus.map { (String($0.key), JSON.int($0.value)) })),
        ]
    }
}
