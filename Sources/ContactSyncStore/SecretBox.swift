import Crypto
import Foundation

/// Seals secrets (CRM tokens) with AES-GCM before they are stored.
public struct SecretBox: Sendable {
    private let keyBytes: Data
    private var key: SymmetricKey { SymmetricKey(data: keyBytes) }
    var symmetricKey: SymmetricKey { key }

    /// A box for a 32-byte key.
    public init(key: Data) throws {
        guard key.count == 32 else { throw SecretBoxError.badKey }
        self.keyBytes = key
    }

    /// The key from `CONTACT_SYNC_SECRET_KEY` (base64, 32 bytes) when given; otherwise the key file in
    /// `directory` (`secret.key`, mode 0600), created on first use.
    public static func load(base64Key: String?, directory: String) throws -> SecretBox {
        if let base64Key {
            guard let key = Data(base64Encoded: base64Key.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw SecretBoxError.badKey }
            return try SecretBox(key: key)
        }
        let path = (directory as NSString).appendingPathComponent("secret.key")
        if let existing = FileManager.default.contents(atPath: path) {
            return try SecretBox(key: existing)
        }
        try PrivateFiles.directory(directory)
        let key = SymmetricKey(size: .bits256).withUnsafeBytes { Data($0) }
        guard FileManager.default.createFile(atPath: path, contents: key, attributes: [.posixPermissions: 0o600]) else {
            throw SecretBoxError.cannotWriteKeyFile(path)
        }
        return try SecretBox(key: key)
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
