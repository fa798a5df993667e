import Crypto
import Foundation

/// Whether a webhook delivery is the platform's, checked exactly as each platform documents its signature
/// and its official SDK verifies it: an HMAC-SHA256 over the raw body, compared in constant time, with the
/// platform's timestamp tolerance where it sends a timestamp (ARCHITECTURE §13).
public enum WebhookSignature {
    /// What the check found.
    public enum Verdict: String, Sendable, Hashable {
        case valid
        /// No signature header at all.
        case missing
        /// A signature that is malformed, or not made with this secret over this body.
        case invalid
        /// Made with this secret, but with a timestamp outside the platform's tolerance (a replay).
        case stale
    }

    /// Retell refuses a timestamp more than 5 minutes from now (`retell.lib.webhook_auth.verify`).
    public static let retellTolerance: TimeInterval = 5 * 60
    /// ElevenLabs refuses a timestamp older than 30 minutes (`WebhooksClient.construct_event`).
    public static let elevenLabsTolerance: TimeInterval = 30 * 60
    /// Vapi's HMAC credential with a timestamp header: the same 5 minutes as Retell.
    public static let vapiTolerance: TimeInterval = 5 * 60

    /// Checks `body` against the headers (names lowercased) with `secret`.
    public static func verify(_ platform: VoicePlatform, body: [UInt8], headers: [String: String], secret: String, now: Date) -> Verdict {
        let key = SymmetricKey(data: Data(secret.utf8))
        switch platform {
        case .retell: return retell(body, headers["x-retell-signature"], key, now)
        case .elevenlabs: return elevenLabs(body, headers["elevenlabs-signature"], key, now)
        case .vapi: return vapi(body, headers, secret: secret, key, now)
        }
    }

    /// `X-Retell-Signature: v=<unix ms>,d=<hex>`, `d` = HMAC(key, body + timestamp digits).
    static func retell(_ body: [UInt8], _ header: String?, _ key: SymmetricKey, _ now: Date) -> Verdict {
        guard let header else { return .missing }
        let parts = header.split(separator: ",", maxSplits: 1).map(String.init)
        guard parts.count == 2, parts[0].hasPrefix("v="), parts[1].hasPrefix("d="),
              case let stamp = String(parts[0].dropFirst(2)), !stamp.isEmpty, stamp.utf8.allSatisfy(isDigit), stamp.count <= 16,
              case let digest = String(parts[1].dropFirst(2)), digest.utf8.count == 64, let mac = lowercaseHex(digest)
        else { return .invalid }
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body + Array(stamp.utf8), using: key) else { return .invalid }
        let sent = Date(timeIntervalSince1970: Double(stamp)! / 1000)
        return abs(now.timeIntervalSince(sent)) <= retellTolerance ? .valid : .stale
    }

    /// `ElevenLabs-Signature: t=<unix s>,v0=<hex>`, `v0` = HMAC(key, "<t>.<body>").
    static func elevenLabs(_ body: [UInt8], _ header: String?, _ key: SymmetricKey, _ now: Date) -> Verdict {
        guard let header else { return .missing }
        var stamp: String?
        var digest: String?
        for part in header.split(separator: ",") {
            let text = part.trimmingCharacters(in: .whitespaces)
            if text.hasPrefix("t=") { stamp = String(text.dropFirst(2)) } else if text.hasPrefix("v0=") { digest = String(text.dropFirst(3)) }
        }
        guard let stamp, !stamp.isEmpty, stamp.utf8.allSatisfy(isDigit), stamp.count <= 12, let digest, let mac = lowercaseHex(digest) else {
            return .invalid
        }
        guard HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Array("\(stamp).".utf8) + body, using: key) else { return .invalid }
        let sent = Date(timeIntervalSince1970: Double(stamp)!)
        return abs(now.timeIntervalSince(sent)) <= elevenLabsTolerance ? .valid : .stale
    }

    /// Vapi sends what the server URL's credential says: an HMAC credential's signature (`x-vapi-signature`,
    /// or Vapi's default `x-signature`; hex or base64, an optional `sha256=` prefix) over the body, or over
    /// "<timestamp>.<body>" when a timestamp header comes with it; or a bearer-token credential
    /// (`Authorization: Bearer <secret>`, or the server secret in `x-vapi-secret` / `x-vapi-signature`).
    static func vapi(_ body: [UInt8], _ headers: [String: String], secret: String, _ key: SymmetricKey, _ now: Date) -> Verdict {
        let signature = headers["x-vapi-signature"] ?? headers["x-signature"]
        let bearer = headers["authorization"].flatMap { $0.hasPrefix("Bearer ") ? String($0.dropFirst(7)) : nil }
        let tokens = [bearer, headers["x-vapi-secret"], signature].compactMap { $0 }
        guard !tokens.isEmpty else { return .missing }
        if tokens.contains(where: { constantTimeEqual($0, secret) }) { return .valid }
        guard let signature else { return .invalid }
        let text = signature.hasPrefix("sha256=") ? String(signature.dropFirst(7)) : signature
        guard let mac = lowercaseHex(text.lowercased()) ?? Data(base64Encoded: text).map(Array.init), mac.count == SHA256.byteCount else { return .invalid }
        if let stamp = headers["x-vapi-timestamp"] ?? headers["x-timestamp"], !stamp.isEmpty, stamp.utf8.allSatisfy(isDigit), stamp.count <= 16,
           HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: Array("\(stamp).".utf8) + body, using: key) {
            let value = Double(stamp)!
            let sent = Date(timeIntervalSince1970: value > 100_000_000_000 ? value / 1000 : value)
            return abs(now.timeIntervalSince(sent)) <= vapiTolerance ? .valid : .stale
        }
        return HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: body, using: key) ? .valid : .invalid
    }

    private static func isDigit(_ byte: UInt8) -> Bool { byte >= 0x30 && byte <= 0x39 }

    /// The bytes of a lowercase hex string, nil for anything else.
    static func lowercaseHex(_ text: String) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard !digits.isEmpty, digits.count.isMultiple(of: 2) else { return nil }
        func value(_ digit: UInt8) -> UInt8? {
            switch digit {
            case 0x30...0x39: digit - 0x30
            case 0x61...0x66: digit - 0x61 + 10
            default: nil
            }
        }
        var bytes: [UInt8] = []
        bytes.reserveCapacity(digits.count / 2)
        for index in stride(from: 0, to: digits.count, by: 2) {
            guard let high = value(digits[index]), let low = value(digits[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
        }
        return bytes
    }

    /// Whether two texts are equal, in time that depends only on their lengths.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let x = Array(a.utf8), y = Array(b.utf8)
        guard x.count == y.count else { return false }
        return zip(x, y).reduce(0) { $0 | ($1.0 ^ $1.1) } == 0
    }

    /// Signs as the platform would (tests and the benchmark make deliveries with it).
    public static func sign(_ platform: VoicePlatform, body: [UInt8], secret: String, at date: Date) -> [String: String] {
        let key = SymmetricKey(data: Data(secret.utf8))
        func hex(_ message: [UInt8]) -> String {
            HMAC<SHA256>.authenticationCode(for: message, using: key).map { String(format: "%02x", $0) }.joined()
        }
        switch platform {
        case .retell:
            let stamp = String(Int64(date.timeIntervalSince1970 * 1000))
            return ["X-Retell-Signature": "v=\(stamp),d=\(hex(body + Array(stamp.utf8)))"]
        case .elevenlabs:
            let stamp = String(Int64(date.timeIntervalSince1970))
            return ["ElevenLabs-Signature": "t=\(stamp),v0=\(hex(Array("\(stamp).".utf8) + body))"]
        case .vapi:
            return ["x-vapi-signature": hex(body)]
        }
    }
}
