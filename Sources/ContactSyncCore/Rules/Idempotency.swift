/// Idempotency (ARCHITECTURE §4): a request repeated with the same Idempotency-Key answers the first run,
/// and the same key with a different request is refused. Two requests are the same when their action,
/// conversation, fields (in any order), summary and dry-run flag are.
public enum Idempotency {
    /// The digest that identifies a request behind an Idempotency-Key. Every part is written with its length
    /// first, so no value, whatever characters it holds, can pass for a boundary between parts.
    public static func requestDigest(actionId: String, conversationId: String?, input: RunInput, dryRun: Bool) -> String {
        var parts = [actionId, conversationId.map { "c" + $0 } ?? "-", input.summary.map { "s" + $0 } ?? "-", dryRun ? "dry" : "wet"]
        for (key, value) in input.fields.sorted(by: { $0.key < $1.key }) { parts += [key, value] }
        return Digests.sha256(parts.map { "\($0.utf8.count):\($0)" }.joined())
    }
}
