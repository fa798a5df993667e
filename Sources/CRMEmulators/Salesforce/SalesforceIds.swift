/// Salesforce record ids: 15 case-sensitive characters plus a 3-character case checksum.
enum SalesforceIds {
    private static let checksumAlphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZ012345")
    private static let base62 = Array("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz")

    /// An 18-character id: `prefix` (3) + pod `Wb` + `0` + `serial` in base 62 (9) + checksum.
    static func make(prefix: String, serial: UInt64) -> String {
        var digits: [Character] = []
        var value = serial
        for _ in 0..<9 {
            digits.append(base62[Int(value % 62)])
            value /= 62
        }
        return withChecksum(prefix + "Wb0" + String(digits.reversed()))
    }

    /// The 18-character form of a 15-character id.
    static func withChecksum(_ id15: String) -> String {
        let bytes = Array(id15.utf8)
        var suffix = ""
        for chunk in 0..<3 {
            var bits = 0
            for offset in 0..<5 where (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(bytes[chunk * 5 + offset]) {
                bits |= 1 << offset
            }
            suffix.append(checksumAlphabet[bits])
        }
        return id15 + suffix
    }

    /// The 18-character id `text` names: a 15-character id gains its checksum; an 18-character id must
    /// carry the right one. Nil when `text` is not an id at all.
    static func canonical(_ text: String) -> String? {
        guard text.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber) }) else { return nil }
        switch text.count {
        case 15: return withChecksum(text)
        case 18:
            let id15 = String(text.prefix(15))
            return withChecksum(id15).uppercased() == text.uppercased() ? withChecksum(id15) : nil
        default: return nil
        }
    }
}
