extension String {
    /// Empty or whitespace-only: such a value is never sent to a CRM.
    public var isBlank: Bool {
        allSatisfy(\.isWhitespace)
    }

    /// The string without leading and trailing whitespace and newlines.
    public var trimmed: String {
        guard let start = firstIndex(where: { !$0.isWhitespace }),
            let end = lastIndex(where: { !$0.isWhitespace })
        else { return "" }
        return String(self[start...end])
    }

    /// Length as the CRMs count it (UTF-16 code units).
    var crmLength: Int { utf16.count }

    /// The longest prefix of whole characters that fits in `limit` UTF-16 code units,
    /// and whether anything was cut.
    func truncated(toCRMLength limit: Int) -> (text: String, truncated: Bool) {
        guard crmLength > limit else { return (self, false) }
        var units = 0
        var end = startIndex
        for index in indices {
            let size = self[index].utf16.count
            if units + size > limit { break }
            units += size
            end = self.index(after: index)
        }
        return (String(self[..<end]), true)
    }
}
