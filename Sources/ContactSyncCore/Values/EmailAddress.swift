/// Email addresses as contact-sync compares and sends them.
public enum EmailAddress {
    /// Trims and lowercases `raw`; nil when the result is not a plausible address
    /// (ASCII only, one `@`, dot-atom local part ≤ 64, DNS domain with an alphabetic TLD, ≤ 254 in all).
    public static func normalize(_ raw: String) -> String? {
        let candidate = raw.trimmed.lowercased()
        return isValid(candidate) ? candidate : nil
    }

    /// Whether `address` (already trimmed and lowercased) is a plausible address. Works on the UTF-8 bytes:
    /// an address is ASCII, so each byte is one character.
    public static func isValid(_ address: String) -> Bool {
        let bytes = Array(address.utf8)
        guard bytes.count <= 254, bytes.allSatisfy({ $0 < 0x80 }) else { return false }
        let parts = bytes.split(separator: at, omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        return isValidLocalPart(parts[0]) && isValidDomain(parts[1])
    }

    private static let at = UInt8(ascii: "@")
    private static let dot = UInt8(ascii: ".")
    private static let hyphen = UInt8(ascii: "-")

    /// RFC 5322 `atext` (lower case), by byte.
    private static let atext: [Bool] = {
        var table = [Bool](repeating: false, count: 128)
        for byte in "abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-/=?^_`{|}~".utf8 { table[Int(byte)] = true }
        return table
    }()

    private static func isLetter(_ byte: UInt8) -> Bool { (0x61...0x7A).contains(byte) || (0x41...0x5A).contains(byte) }
    private static func isDigit(_ byte: UInt8) -> Bool { (0x30...0x39).contains(byte) }

    private static func isValidLocalPart(_ local: ArraySlice<UInt8>) -> Bool {
        guard (1...64).contains(local.count), local.first != dot, local.last != dot else { return false }
        var previous: UInt8 = 0
        for byte in local {
            guard byte == dot ? previous != dot : atext[Int(byte)] else { return false }
            previous = byte
        }
        return true
    }

    private static func isValidDomain(_ domain: ArraySlice<UInt8>) -> Bool {
        let labels = domain.split(separator: dot, omittingEmptySubsequences: false)
        guard labels.count >= 2, domain.count <= 253 else { return false }
        for label in labels {
            guard (1...63).contains(label.count), label.first != hyphen, label.last != hyphen,
                label.allSatisfy({ isLetter($0) || isDigit($0) || $0 == hyphen })
            else { return false }
        }
        let tld = labels[labels.count - 1]
        return tld.count >= 2 && (tld.allSatisfy(isLetter) || tld.starts(with: "xn--".utf8))
    }
}
