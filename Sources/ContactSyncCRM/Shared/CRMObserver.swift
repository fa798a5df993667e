/// What connectors report as they work, for metrics: every call with its route, status (nil when no answer
/// came) and duration; every token refresh; every wait before a retry a rate limit asked for.
public struct CRMObserver: Sendable {
    public var call: @Sendable (_ route: String, _ status: Int?, _ duration: Duration) -> Void
    public var tokenRefreshed: @Sendable () -> Void
    public var rateLimitWait: @Sendable (_ duration: Duration) -> Void

    public init(
        call: @escaping @Sendable (_ route: String, _ status: Int?, _ duration: Duration) -> Void = { _, _, _ in },
        tokenRefreshed: @escaping @Sendable () -> Void = {},
        rateLimitWait: @escaping @Sendable (_ duration: Duration) -> Void = { _ in }
    ) {
        self.call = call
        self.tokenRefreshed = tokenRefreshed
        self.rateLimitWait = rateLimitWait
    }
}
