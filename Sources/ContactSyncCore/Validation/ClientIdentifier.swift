/// Names a client chooses for things (conversation ids, idempotency keys): printable characters only, so that
/// no id can carry a line break into a log line or a control character into a page.
public enum ClientIdentifier {
    /// Whether `text` holds no control, format or line- or paragraph-separator character.
    public static func isPrintable(_ text: String) -> Bool {
        text.unicodeScalars.allSatisfy { scalar in
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .surrogate, .unassigned: false
            default: true
            }
        }
    }
}
