import ContactSyncCore
import Crypto
import Foundation

extension SecretBox {
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
}
