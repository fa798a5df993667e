extension Array {
    /// Consecutive slices of at most `size` elements: batches of a CRM call or of a SQL statement.
    public func chunked(into size: Int) -> [ArraySlice<Element>] {
        stride(from: 0, to: count, by: size).map { self[$0..<Swift.min($0 + size, count)] }
    }
}
