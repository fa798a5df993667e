/// Plausibility check for URL field values.
enum WebAddress {
    /// Accepts `https://example.com/path`, `http://…`, or a bare host such as `www.example.com/x`:
    /// no whitespace, and a host with a dot (or `localhost`).
    static func isValid(_ value: String) -> Bool {
        guard !value.isEmpty, !value.contains(where: { $0.isWhitespace || $0.isNewline }) else { return false }
        var rest = Substring(value)
        if let schemeEnd = rest.range(of: "://") {
            let scheme = rest[..<schemeEnd.lowerBound].lowercased()
            guard ["http", "https", "ftp"].contains(scheme) else { return false }
            rest = rest[schemeEnd.upperBound...]
        }
        let hostAndPort = rest.prefix { $0 != "/" && $0 != "?" && $0 != "#" }
        let host = hostAndPort.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false)[0]
        guard !host.isEmpty, host.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" || $0 == "." })
        else { return false }
        let labels = host.split(separator: ".", omittingEmptySubsequences: false)
        if host.lowercased() == "localhost" { return true }
        return labels.count >= 2 && labels.allSatisfy { !$0.isEmpty }
    }
}
