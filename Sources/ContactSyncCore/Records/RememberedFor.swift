/// A customer's remembered attributes as one scope sees them: `everyone` (values written with the admin key)
/// or one agent's id (values written with that agent's key, which only that agent's runs read).
public struct RememberedFor: Sendable, Hashable {
    /// The scope every run reads.
    public static let everyone = ""

    public var email: String
    public var scope: String

    public init(email: String, scope: String) {
        self.email = email
        self.scope = scope
    }
}
