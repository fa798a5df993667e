import ArgumentParser
import ContactSyncCore
import Foundation

/// `contact-sync extract`: conversation intelligence from the command line.
struct ExtractCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "extract", abstract: "Conversation intelligence: measure the extraction rules.", subcommands: [EvalCommand.self])
}

/// `contact-sync extract eval`: precision and recall of the rules per field and language over a corpus of
/// transcripts (`*.jsonl`, one transcript per line). Exits non-zero when a field in a language falls below
/// the floors (precision 100%, recall 95% by default).
struct EvalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval", abstract: "Precision and recall of the extraction rules per field and language over a corpus.")

    @Option(help: "The corpus: a directory of .jsonl files, one transcript per line.") var corpus = "Tests/Corpus/extraction"
    @Flag(help: "Print one JSON object instead of a table.") var json = false
    @Option(help: "The lowest precision accepted, from 0 to 1.") var minPrecision = 1.0
    @Option(help: "The lowest recall accepted, from 0 to 1.") var minRecall = 0.95

    func run() async throws {
        let transcripts = try Self.load(corpus)
        let evaluation = ExtractionEvaluation.evaluate(transcripts)
        let shortfalls = evaluation.shortfalls(precision: minPrecision, recall: minRecall)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            announce(String(decoding: try encoder.encode(Report(evaluation: evaluation, passed: shortfalls.isEmpty)), as: UTF8.self))
        } else {
            announce(Self.table(evaluation, minPrecision: minPrecision, minRecall: minRecall))
        }
        guard shortfalls.isEmpty else { throw ExitCode(1) }
    }

    struct Report: Encodable {
        let evaluation: ExtractionEvaluation
        let passed: Bool

        func encode(to encoder: any Encoder) throws {
            try evaluation.encode(to: encoder)
            var container = encoder.container(keyedBy: Key.self)
            try container.encode(passed, forKey: Key(stringValue: "passed"))
        }

        struct Key: CodingKey {
            let stringValue: String
            var intValue: Int? { nil }
            init(stringValue: String) { self.stringValue = stringValue }
            init?(intValue: Int) { nil }
        }
    }

    /// Every transcript in the `.jsonl` files of `directory`, in file and line order.
    static func load(_ directory: String) throws -> [CorpusTranscript] {
        let url = URL(fileURLWithPath: directory, isDirectory: true)
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: url.path) else {
            throw ValidationError("No corpus at \(directory): pass --corpus DIR (a directory of .jsonl files).")
        }
        var transcripts: [CorpusTranscript] = []
        let decoder = JSONDecoder()
        for name in names.filter({ $0.hasSuffix(".jsonl") }).sorted() {
            let text = try String(contentsOf: url.appendingPathComponent(name), encoding: .utf8)
            for (number, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() where !String(line).isBlank {
                do {
                    let transcript = try decoder.decode(CorpusTranscript.self, from: Data(line.utf8))
                    guard transcript.transcript != nil else { throw ValidationError("each message is [\"agent\" or \"customer\", text]") }
                    transcripts.append(transcript)
                } catch {
                    throw ValidationError("\(name):\(number + 1): not a corpus transcript: \(error)")
                }
            }
        }
        guard !transcripts.isEmpty else { throw ValidationError("No transcripts in \(directory).") }
        return transcripts
    }

    /// The scores as a table, then the mistakes and whether every score meets the floors.
    static func table(_ evaluation: ExtractionEvaluation, minPrecision: Double, minRecall: Double) -> String {
        let languages = evaluation.languages.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        let channels = evaluation.channels.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        var lines = ["\(evaluation.transcripts) transcripts (\(languages); \(channels))", ""]
        lines.append(row(["field", "language", "expected", "found", "correct", "precision", "recall"]))
        for score in evaluation.scores {
            lines.append(row([
                score.field, score.language, "\(score.expected)", "\(score.extracted)", "\(score.correct)", percent(score.precision),
                score.expected == 0 ? "—" : percent(score.recall),
            ]))
        }
        if !evaluation.mistakes.isEmpty {
            lines.append("")
            for mistake in evaluation.mistakes {
                lines.append("\(mistake.transcript) \(mistake.field): expected \(mistake.expected ?? "nothing"), found \(mistake.found ?? "nothing")")
            }
        }
        let shortfalls = evaluation.shortfalls(precision: minPrecision, recall: minRecall)
        lines.append("")
        lines.append(
            shortfalls.isEmpty
                ? "Every field in every language meets precision \(percent(minPrecision)) and recall \(percent(minRecall))."
                : "Below precision \(percent(minPrecision)) or recall \(percent(minRecall)): "
                    + shortfalls.map { "\($0.field) in \($0.language)" }.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    static func row(_ cells: [String]) -> String {
        zip(cells, [12, 10, 10, 7, 9, 11, 8]).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined()
    }

    static func percent(_ value: Double) -> String {
        String(format: "%.1f%%", value * 100)
    }
}
