import Crypto
import Foundation

/// How API keys, agent keys and console sessions are stored: HMAC-SHA-256 under a key derived from the
/// installation's secret key, so the database alone does not let anyone test guesses of a key.
public struct KeyDigest: Sendable {
    private let keyBytes: Data

    /// Digests under a key derived (HKDF-SHA-256) from `secret`, kept apart from the key that seals tokens.
    public init(secret: SymmetricKey) {
        let derived = HKDF<SHA256>.deriveKey(inputKeyMaterial: secret, info: Data("contact-sync key digests v1".utf8), outputByteCount: 32)
        keyBytes = derived.withUnsafeBytes { Data($0) }
    }

    /// The stored form of `key`: `hmac:` and the hexadecimal HMAC.
    public func callAsFunction(_ key: String) -> String {
        "hmac:" + Digests.hex(HMAC<SHA256>.authenticationCode(for: Array(key.utf8), using: SymmetricKey(data: keyBytes)))
    }

    /// The unkeyed SHA-256 digest earlier versions stored, looked for once so a stored key keeps working
    /// and is then stored anew in the keyed form.
    public static func legacy(_ key: String) -> String {
        Digests.sha256(key)
    }
}

extension SecretBox {
    /// Digests of keys under this installation's secret.
    public var keyDigest: KeyDigest { KeyDigest(secret: symmetricKey) }
}
