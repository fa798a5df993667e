import ContactSyncCore
import Testing

/// A repeated request is recognised whatever the order of its fields; any other difference makes it another
/// request (ARCHITECTURE §4).
@Suite struct IdempotencyTests {
    static func digest(_ fields: [String: String], summary: String? = nil, conversation: String? = "chat-1", dryRun: Bool = false, action: String = "act_1") -> String {
        Idempotency.requestDigest(actionId: action, conversationId: conversation, input: RunInput(fields: fields, summary: summary), dryRun: dryRun)
    }

    @Test("the same request gives the same digest, whatever the order of its fields")
    func sameRequest() {
        var forward: [String: String] = [:]
        var backward: [String: String] = [:]
        for (key, value) in [("email", "a@example.com"), ("first_name", "Ada"), ("last_name", "L")] { forward[key] = value }
        for (key, value) in [("last_name", "L"), ("first_name", "Ada"), ("email", "a@example.com")] { backward[key] = value }
        #expect(Self.digest(forward) == Self.digest(backward))
    }

    @Test("a different value, field, summary, conversation, action or dry-run flag is a different request")
    func differentRequests() {
        let base = Self.digest(["email": "a@example.com"])
        #expect(Self.digest(["email": "b@example.com"]) != base)
        #expect(Self.digest(["email": "a@example.com", "first_name": "A"]) != base)
        #expect(Self.digest(["email": "a@example.com"], summary: "S") != base)
        #expect(Self.digest(["email": "a@example.com"], summary: "") != base, "an empty summary is not a missing one")
        #expect(Self.digest(["email": "a@example.com"], conversation: nil) != base)
        #expect(Self.digest(["email": "a@example.com"], dryRun: true) != base)
        #expect(Self.digest(["email": "a@example.com"], action: "act_2") != base)
    }

    @Test("no value can pass for a boundary between fields, whatever characters it holds")
    func boundaries() {
        #expect(Self.digest(["a": "1=b"]) != Self.digest(["a=1": "b"]))
        #expect(Self.digest(["a": "x\u{1}b=y"]) != Self.digest(["a": "x", "b": "y"]))
        #expect(Self.digest(["a": "x"], summary: "\u{2}") != Self.digest(["a": "x"]))
        #expect(Self.digest([:], conversation: "") != Self.digest([:], conversation: nil))
    }
}
