import ContactSyncCore
import Testing


@Suite("Client text in log lines")
struct LogTextTests {
    @Test("printable text stands as it is, up to the limit")
    func printableTextStands() {
        #expect(LogText.escaped("POST /v1/actions/act_1/runs") == "POST /v1/actions/act_1/runs")
        #expect(LogText.escaped("Zoë Çelik") == "Zoë Çelik")
        #expect(LogText.escaped(String(repeating: "a", count: 200)) == String(repeating: "a", count: 200))
    }

    @Test("line breaks, control and format characters and the backslash are escaped, so no value forges a line")
    func controlCharactersEscaped() {
        #expect(LogText.escaped("a\nb\rc\td") == #"a\nb\rc\td"#)
        #expect(LogText.escaped(#"C:\path"#) == #"C:\\path"#)
        #expect(LogText.escaped("\u{1B}[31mred") == #"\u{1B}[31mred"#)
        #expect(LogText.escaped("x\u{7F}y\u{2028}z\u{200B}") == #"x\u{7F}y\u{2028}z\u{200B}"#)
    }

    @Test("long text is cut at the limit, plain ASCII included")
    func longTextCut() {
        #expect(LogText.escaped(String(repeating: "a", count: 201)) == String(repeating: "a", count: 200) + "…")
        #expect(LogText.escaped("abcdef", limit: 3) == "abc…")
        #expect(LogText.escaped("ab\ncdef", limit: 3) == #"ab\n…"#)
    }
}
