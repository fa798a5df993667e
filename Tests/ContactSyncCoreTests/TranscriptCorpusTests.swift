import Foundation
import Testing

@testable import ContactSyncCore

/// Values from transcripts by rules (ARCHITECTURE §9), measured over the corpus in `Tests/Corpus/extraction`:
/// the same figures `contact-sync extract eval` prints.
@Suite("Conversation intelligence: the rules against the corpus of transcripts")
struct TranscriptCorpusTests {
    static let languages: Set<String> = ["en", "es", "pt", "fr", "de", "id"]

    /// Every transcript of the corpus.
    static func corpus() throws -> [CorpusTranscript] {
        let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("Corpus/extraction")
        let files = try FileManager.default.contentsOfDirectory(atPath: directory.path).filter { $0.hasSuffix(".jsonl") }.sorted()
        return try files.flatMap { name in
            try String(contentsOf: directory.appendingPathComponent(name), encoding: .utf8).split(separator: "\n").map {
                try JSONDecoder().decode(CorpusTranscript.self, from: Data($0.utf8))
            }
        }
    }

    @Test("corpusCoversEveryLanguage: at least 200 transcripts, text and voice in each of the six languages, traps in each")
    func corpusCoversEveryLanguage() throws {
        let corpus = try Self.corpus()
        #expect(corpus.count >= 200)
        #expect(Set(corpus.map(\.id)).count == corpus.count, "transcript ids are unique")
        #expect(corpus.allSatisfy { $0.transcript != nil })
        for language in Self.languages {
            let transcripts = corpus.filter { $0.language == language }
            #expect(transcripts.filter { $0.channel == "text" }.count >= 10, "\(language): text")
            #expect(transcripts.filter { $0.channel == "voice" }.count >= 8, "\(language): voice")
            #expect(transcripts.filter(\.expected.isEmpty).count >= 6, "\(language): traps")
            for field in RuleExtractor.fields {
                #expect(transcripts.filter { $0.expected[field] != nil }.count >= 5, "\(language): \(field)")
            }
        }
    }

    @Test("corpusPrecisionAndRecall: no value that is not the customer's, and at least 95% of theirs, per field and language")
    func corpusPrecisionAndRecall() throws {
        let evaluation = ExtractionEvaluation.evaluate(try Self.corpus())
        #expect(Set(evaluation.scores.map(\.language)) == Self.languages)
        for score in evaluation.scores {
            #expect(score.precision == 1, "\(score.field) in \(score.language): \(score.correct) of \(score.extracted) found are right")
            #expect(score.recall >= 0.95, "\(score.field) in \(score.language): \(score.correct) of \(score.expected) expected found")
        }
        #expect(evaluation.mistakes.filter { $0.found != nil }.isEmpty, "\(evaluation.mistakes)")
    }

    @Test("evaluationCountsMistakes: a wrong value lowers precision, a missed one recall, and evidence must quote the customer")
    func evaluationCountsMistakes() {
        let corpus = [
            CorpusTranscript(id: "wrong", language: "en", channel: "text", country: "US", messages: [["customer", "mail me at a@b.example"]], expected: ["email": "c@d.example"]),
            CorpusTranscript(id: "missed", language: "en", channel: "text", country: "US", messages: [["customer", "it's 4155550142"]], expected: ["phone": "+14155550142"]),
            CorpusTranscript(id: "right", language: "en", channel: "text", country: "US", messages: [["customer", "my name is Jo"]], expected: ["first_name": "Jo"]),
        ]
        let evaluation = ExtractionEvaluation.evaluate(corpus)
        let scores = Dictionary(uniqueKeysWithValues: evaluation.scores.map { ($0.field, $0) })
        #expect(scores["email"]?.precision == 0)
        #expect(scores["email"]?.recall == 0)
        #expect(scores["phone"]?.precision == 1)
        #expect(scores["phone"]?.recall == 0)
        #expect(scores["first_name"]?.precision == 1)
        #expect(scores["first_name"]?.recall == 1)
        #expect(Set(evaluation.shortfalls().map(\.field)) == ["email", "phone"])
        #expect(evaluation.mistakes.map(\.transcript).sorted() == ["missed", "wrong"])
    }

    @Test("only wanted fields are filled")
    func wanted() {
        let found = RuleExtractor.extract([TranscriptMessage(role: "customer", text: "my name is Jane Doe, jane@example.com")], wanted: ["email"], defaultCountry: "US")
        #expect(found.values == ["email": "jane@example.com"])
    }
}
