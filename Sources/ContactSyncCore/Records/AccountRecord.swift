import Foundation

/// Whether an account can be used.
public enum AccountStatus: String, Sendable, Hashable, Codable {
    case connected
    /// The grant was revoked or expired for good; runs wait until the account is connected again.
    case reconnectRequired = "reconnect_required"
}

/// A connected CRM account as stored. Credentials are sealed (encrypted) by the caller.
public struct AccountRecord: Sendable, Hashable {
    public var id: String
    public var crm: CRM
    public var name: String
    public var status: AccountStatus
    public var baseURL: String?
    public var sealedCredentials: Data
    /// The account's identity in its CRM, as JSON.
    public var identity: String?
    /// Whether it is the built-in emulator.
    public var emulator: Bool
    public var createdAt: Date
    public var updatedAt: Date

    public init(
        id: String, crm: CRM, name: String, status: AccountStatus, baseURL: String?, sealedCredentials: Data, identity: String?,
        emulator: Bool, createdAt: Date, updatedAt: Date
    ) {
        self.id = id
        self.crm = crm
        self.name = name
        self.status = status
        self.baseURL = baseURL
        self.sealedCredentials = sealedCredentials
        self.identity = identity
        self.emulator = emulator
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}
