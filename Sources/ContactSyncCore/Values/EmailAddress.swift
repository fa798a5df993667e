/// Email addresses as contact-sync compares and sends them.
public enum EmailAddress {
    /// Trims and lowercases `raw`; nil when the result is not a plausible address
    /// (ASCII only, one `@`, dot-atom local part ≤ 64, DNS domain with an alphabetic TLD, ≤ 254 in all).
    public static func normalize(_ raw: String) -> String? {
        let candidate = raw.trimmed.lowercased()
        return isValid(candidate) ? candidate : nil
    }

    /// Whether `address` (already trimmed and lowercased) is a plausible address.
    public static func isValid(_ address: String) -> Bool {
        let scalars = Array(address.unicodeScalars)
        guard scalars.count <= 254, scalars.allSatisfy(\.isASCII) else { return false }
        let parts = address.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        return isValidLocalPart(parts[0]) && isValidDomain(parts[1])
    }

    private static let atext = Set("abcdefghijklmnopqrstuvwxyz0123456789!#$%&'*+-/=?^_`{|}~")

    private static func isValidLocalPart(_ local: Substring) -> Bool {
        guard (1...64).contains(local.count), local.first != ".", local.last != ".", !local.contains("..")
        else { return false }
        return local.allSatisfy { $0 == "." || atext.contains($0) }
    }

    private static func isValidDomain(_ domain: Substring) -> Bool {
        let labels = domain.split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, domain.count <= 253 else { return false }
        for label in labels {
            guard (1...63).contains(label.count), label.first != "-", label.last != "-",
                label.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" })
            else { return false }
        }
        let tld = labels[labels.count - 1]
        return tld.count >= 2 && (tld.allSatisfy(\.isLetter) || tld.hasPrefix("xn--"))
    }
}
