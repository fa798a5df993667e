/// SOQL string literals, escaped exactly as Salesforce documents: backslash, quotes, and control
/// characters (`\n`, `\r`, `\t`, `\b`, `\f`, and `\uXXXX` for the rest).
public enum SOQLLiteral {
    /// `value` as a quoted SOQL literal, safe to splice into a query.
    public static func quote(_ value: String) -> String {
        var result = "'"
        for scalar in value.unicodeScalars {
            switch scalar {
            case "\\": result += "\\\\"
            case "'": result += "\\'"
            case "\"": result += "\\\""
            case "\n": result += "\\n"
            case "\r": result += "\\r"
            case "\t": result += "\\t"
            case "\u{8}": result += "\\b"
            case "\u{c}": result += "\\f"
            case _ where scalar.value < 0x20 || scalar.value == 0x7f:
                let hex = String(scalar.value, radix: 16)
                result += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: result.unicodeScalars.append(scalar)
            }
        }
        return result + "'"
    }

    /// `(a, b, …)` for an `IN` clause.
    public static func list(_ values: [String]) -> String {
        "(" + values.map(quote).joined(separator: ",") + ")"
    }
}
