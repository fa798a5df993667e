@testable import ContactSyncCRM
import Testing

/// SOQL literals and percent-encoding are passes over text a customer wrote (ARCHITECTURE §6): linear in its length.
@Suite("Escaping untrusted text takes time in proportion to its length")
struct UntrustedTextTimeTests {
    static func time(_ work: () -> Void) -> Duration { ContinuousClock().measure(work) }

    static func scaling(_ unit: String, _ pass: (String) -> Int) -> (small: Duration, large: Duration) {
        let small = String(repeating: unit, count: 32_768 / unit.count)
        let large = String(repeating: unit, count: (1 << 20) / unit.count)
        var sink = 0
        let smallTime = (0..<3).map { _ in time { sink &+= pass(small) } }.min()!
        let largeTime = (0..<3).map { _ in time { sink &+= pass(large) } }.min()!
        #expect(sink > 0)
        return (smallTime, largeTime)
    }

    @Test("escapingIsLinear: quotes, backslashes, controls and non-ASCII text, 32 KiB against 1 MiB, for SOQL literals and percent-encoding",
          arguments: ["'\\\"", "\n\u{1}x", "é名'", "a"])
    func escapingIsLinear(_ unit: String) {
        for pass in [{ (text: String) in SOQLLiteral.quote(text).utf8.count }, { (text: String) in URLEncoding.component(text).utf8.count }] {
            let (small, large) = Self.scaling(unit, pass)
            // 32 times the text: linear work takes about 32 times as long, quadratic about a thousand times.
            #expect(large < small * 96 + .milliseconds(20), "32 KiB: \(small), 1 MiB: \(large)")
        }
    }
}
