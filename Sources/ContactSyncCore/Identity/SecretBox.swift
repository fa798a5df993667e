import Crypto
import Foundation

/// Seals secrets (CRM tokens) with AES-GCM before they are stored.
public struct SecretBox: Sendable {
    private let keyBytes: Data
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }
    public var symmetricKey: SymmetricKey { key }

    /// A box for a 32-byte key.
    public init(key: Data) throws {
        guard key.count == 32 else { throw SecretBoxError.badKey }
        self.keyBytes = key
    }

    public func seal(_ plaintext: Data) throws -> Data {
        guard let combined = try AES.GCM.seal(plaintext, using: key).combined else { throw SecretBoxError.sealFailed }
        return combined
    }

    public func open(_ sealed: Data) throws -> Data {
        try AES.GCM.open(AES.GCM.SealedBox(combined: sealed), using: key)
    }
}

public enum SecretBoxError: Error, Sendable, Equatable {
    case badKey
    case sealFailed
    case cannotWriteKeyFile(String)
}
