import Foundation
import Testing

@testable import ContactSyncCore

/// Untrusted text is processed in time linear in its length (ARCHITECTURE §6, §9): a customer message at the
/// length limit, built from a rule's own cues and separators, never stalls extraction.
@Suite("Conversation intelligence: extraction time stays linear in the text")
struct ExtractionBoundsTests {
    /// The default message limit.
    static let limit = 32_000
    /// The bound for one message at the limit.
    static let bound: Duration = .milliseconds(50)

    /// Text of exactly `limit` characters made of `unit` repeated.
    static func repeated(_ unit: String, limit: Int = limit) -> String {
        String(String(repeating: unit, count: limit / unit.count + 1).prefix(limit))
    }

    struct Adversary: CustomTestStringConvertible, Sendable {
        let name: String
        let text: String
        var testDescription: String { name }
    }

    static let adversaries: [Adversary] = [
        Adversary(name: "spoken email separators", text: repeated("a dot ")),
        Adversary(name: "spoken email 'at'", text: repeated("at ")),
        Adversary(name: "spoken local and domain", text: repeated("a dot b at c dot ")),
        Adversary(name: "spoken underscores", text: repeated("x underscore ")),
        Adversary(name: "written local part", text: repeated("a.") + "@"),
        Adversary(name: "at signs", text: repeated("a@")),
        Adversary(name: "domain dots", text: "a@" + repeated("b.")),
        Adversary(name: "domain labels with digits", text: repeated("a@b.c1 ")),
        Adversary(name: "URL words", text: repeated("http://x/a@b.com")),
        Adversary(name: "name cue 'im'", text: repeated("im ")),
        Adversary(name: "name cue 'my name is'", text: repeated("my name is ")),
        Adversary(name: "name cue without words", text: repeated("my name is, ")),
        Adversary(name: "name cue with names", text: repeated("i'm Jo ")),
        Adversary(name: "name cue with a letter that grows when lowercased", text: repeated("i'm İ ")),
        Adversary(name: "digit run", text: "call " + repeated("1")),
        Adversary(name: "spaced digits", text: "phone " + repeated("1 ")),
        Adversary(name: "digits and letters", text: "phone " + repeated("1234567a ")),
        Adversary(name: "short numbers", text: "phone " + repeated("(1) ")),
        Adversary(name: "plus signs", text: "phone " + repeated("+1")),
        Adversary(name: "many phones", text: repeated("call 415 555 0134 ")),
        Adversary(name: "one international number repeated", text: repeated("2026-12-01 + +44 ")),
        Adversary(name: "dates", text: "call " + repeated("2026-12-01 ")),
        Adversary(name: "many emails", text: repeated("x@y.example ")),
        Adversary(name: "one long word", text: repeated("x")),
        Adversary(name: "whitespace", text: repeated(" \n")),
        Adversary(name: "non-ASCII letters", text: repeated("é à ü ")),
        Adversary(name: "spoken digits", text: "my number is " + repeated("four ")),
        Adversary(name: "spoken digits in runs", text: "phone " + repeated("four one five five five five zero one four two, ")),
        Adversary(name: "double and triple", text: "phone " + repeated("double triple ")),
        Adversary(name: "oh and plus", text: "phone " + repeated("plus oh ")),
        Adversary(name: "spelled letters around at", text: repeated("j o h n at a c m e ")),
        Adversary(name: "arroba and punto", text: repeated("a punto b arroba c punto ")),
        Adversary(name: "two-word separators", text: repeated("a guion bajo ")),
        Adversary(name: "name cues in six languages", text: repeated("me llamo meu nome é je m'appelle ich heiße nama saya ")),
        Adversary(name: "titles and particles", text: repeated("my name is Frau da de la van ")),
        Adversary(name: "corrections", text: "phone 4155550142 " + repeated("sorry ")),
        Adversary(name: "multi-byte digit words", text: "número " + repeated("três zéro fünf ")),
    ]

    static let questionAdversaries: [Adversary] = [
        Adversary(name: "question words", text: repeated("what's your name email phone number? ")),
        Adversary(name: "one long question", text: repeated("name number email por favor ")),
        Adversary(name: "request phrases without a question mark", text: repeated("please share your phone ")),
        Adversary(name: "another number", text: repeated("order number de pedido ")),
    ]

    @Test("questionsAreLinearInTheText: an agent message at the limit made of question words, then a customer answer, takes under 50 ms",
          arguments: questionAdversaries)
    func questionsAreLinearInTheText(_ adversary: Adversary) {
        let messages = [TranscriptMessage(role: "agent", text: adversary.text), TranscriptMessage(role: "customer", text: Self.repeated("Jane Doe 415 "))]
        let best = (0..<3).map { _ in Self.timeExtraction(messages) }.min()!
        #expect(best < Self.bound, "\(adversary.name): \(best)")
    }

    static func timeExtraction(_ text: String) -> Duration {
        timeExtraction([TranscriptMessage(role: "customer", text: text)])
    }

    /// The processor time the extraction takes on its thread: the work itself, whatever else the machine (the
    /// other tests among it) is doing meanwhile.
    static func timeExtraction(_ messages: [TranscriptMessage]) -> Duration {
        let start = threadTime()
        _ = RuleExtractor.extract(messages, wanted: RuleExtractor.fields, defaultCountry: "US")
        return threadTime() - start
    }

    static func threadTime() -> Duration {
        var now = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
        return .seconds(Int64(now.tv_sec)) + .nanoseconds(Int64(now.tv_nsec))
    }

    @Test("extractionIsLinearInTheText: each rule's own cues and separators at the message limit take under 50 ms", arguments: adversaries)
    func extractionIsLinearInTheText(_ adversary: Adversary) {
        #expect(adversary.text.count >= Self.limit - 20)
        // The best of three: the bound is on the work, not on a moment the machine was busy elsewhere.
        let best = (0..<3).map { _ in Self.timeExtraction(adversary.text) }.min()!
        #expect(best < Self.bound, "\(adversary.name): \(best)")
    }

    @Test("name words and quotes lose the marks at their ends as trimmingCharacters(in:) trims them")
    func trimmingMatchesFoundation() {
        let samples = [
            "", ",", ",.!?", "Jo", "Jo,", "(Jo)", "\"Jo.\"", ",Jo,", "Jo\u{301},", ",\u{301}Jo", "İ.", "Jo, Ann!", "..Jo..Ann..", "👍🏽,", "Jo\u{301}",
        ]
        for sample in samples {
            for marks in [RuleExtractor.closingMarks, RuleExtractor.nameWordMarks] {
                let foundation = sample.trimmingCharacters(in: marks.reduce(into: CharacterSet()) { $0.insert($1) })
                #expect(RuleExtractor.trimming(sample, marks) == foundation, "\(sample.debugDescription)")
            }
        }
    }

    @Test("extractionStaysLinearAtAMebibyte: a 1 MiB message of spoken separators takes time in proportion to its length")
    func extractionStaysLinearAtAMebibyte() {
        let small = Self.timeExtraction(Self.repeated("a dot b at ", limit: 32_768))
        let large = Self.timeExtraction(Self.repeated("a dot b at ", limit: 1 << 20))
        // 32 times the text: linear work takes about 32 times as long, quadratic about a thousand times.
        #expect(large < small * 96 + .milliseconds(20), "32 KiB: \(small), 1 MiB: \(large)")
    }

    @Test("extractionStopsWhenCancelled: no message is read once the run is cancelled")
    func extractionStopsWhenCancelled() {
        let messages = (0..<5).map { TranscriptMessage(role: "customer", text: "my email is user\($0)@example.com") }
        var asked = 0
        let found = RuleExtractor.extract(messages, wanted: ["email"], defaultCountry: "US", isCancelled: { asked += 1; return true })
        #expect(asked == 1)
        #expect(found.values.isEmpty)
    }

    @Test("adversarialTextStillYieldsValues: a value beside adversarial text is still found")
    func adversarialTextStillYieldsValues() {
        let text = Self.repeated("a dot ", limit: 20_000) + " my email is jane@example.com and my number is (415) 555-0134"
        let found = RuleExtractor.extract([TranscriptMessage(role: "customer", text: text)], wanted: RuleExtractor.fields, defaultCountry: "US")
        #expect(found.values["email"] == "jane@example.com")
        #expect(found.values["phone"] == "+14155550134")
    }
}
