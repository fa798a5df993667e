import AsyncHTTPClient
import ContactSyncCore
import Foundation
import HTTPTypes
import Hummingbird
import Logging
import NIOCore
import Synchronization
import Testing

@testable import ContactSyncRuntime

/// A local OpenAI-compatible chat-completions endpoint that answers from a script, in the API's documented
/// shapes, and keeps what it was sent.
final class ScriptedModel: Sendable {
    struct Reply: Sendable {
        var status: Int = 200
        var headers: [String: String] = [:]
        var body: String
        var delay: Duration = .zero
    }

    private let script: Mutex<[Reply]>
    private let bodies = Mutex<[Data]>([])

    /// The requests received, as JSON objects.
    var requests: [[String: Any]] { bodies.withLock { $0 }.compactMap { (try? JSONSerialization.jsonObject(with: $0)) as? [String: Any] } }

    init(_ replies: [Reply]) { script = Mutex(replies) }

    func next() -> Reply {
        script.withLock { replies -> Reply in
            guard !replies.isEmpty else { return ScriptedModel.error(500) }
            return replies.removeFirst()
        }
    }

    static func completion(_ content: String, finishReason: String = "stop", refusal: String? = nil) -> Reply {
        let message: [String: Any] = ["role": "assistant", "content": refusal == nil ? content : NSNull(), "refusal": refusal ?? NSNull()]
        let body: [String: Any] = [
            "id": "chatcmpl-1", "object": "chat.completion", "created": 1_800_000_000, "model": "test-model",
            "choices": [["index": 0, "message": message, "finish_reason": finishReason]],
            "usage": ["prompt_tokens": 120, "completion_tokens": 30, "total_tokens": 150],
        ]
        return Reply(body: String(decoding: try! JSONSerialization.data(withJSONObject: body), as: UTF8.self))
    }

    static func error(_ status: Int, retryAfter: String? = nil) -> Reply {
        Reply(status: status, headers: retryAfter.map { ["Retry-After": $0] } ?? [:], body: #"{"error":{"message":"busy","type":"server_error"}}"#)
    }

    /// Serves the script on a free port while `body` runs; `body` gets the base URL (`…/v1`).
    func serve<T: Sendable>(_ body: @Sendable (String) async throws -> T) async throws -> T {
        let router = Router()
        router.post("/v1/chat/completions") { request, context -> Response in
            let data = try await request.body.collect(upTo: 1 << 20)
            self.bodies.withLock { $0.append(Data(buffer: data)) }
            let reply = self.next()
            if reply.delay > .zero { try await Task.sleep(for: reply.delay) }
            var headers: HTTPFields = [.contentType: "application/json"]
            for (name, value) in reply.headers { headers[HTTPField.Name(name)!] = value }
            return Response(status: .init(code: reply.status), headers: headers, body: .init(byteBuffer: ByteBuffer(string: reply.body)))
        }
        let port = Mutex<Int?>(nil)
        var logger = Logger(label: "scripted-model")
        logger.logLevel = .critical
        let app = Application(router: router, configuration: .init(address: .hostname("127.0.0.1", port: 0)), onServerRunning: { channel in
            port.withLock { $0 = channel.localAddress?.port }
        }, logger: logger)
        return try await withThrowingTaskGroup(of: T?.self) { group in
            group.addTask { try await app.runService(); return nil }
            while port.withLock({ $0 }) == nil { try await Task.sleep(for: .milliseconds(10)) }
            let result = try await body("http://127.0.0.1:\(port.withLock { $0 }!)/v1")
            group.cancelAll()
            return result
        }
    }
}

@Suite("Conversation intelligence: the model client against a scripted OpenAI-compatible endpoint")
struct ModelExtractorTests {
    static let transcript = [
        TranscriptMessage(role: "agent", text: "Hi, which company are you with?"),
        TranscriptMessage(role: "customer", text: "I work at Acme Robotics, mail me at ceo@acme.example or call +1 415 555 0134"),
        TranscriptMessage(role: "agent", text: "And your role?"),
        TranscriptMessage(role: "customer", text: "I'm the head of purchasing"),
    ]
    static let fields = [ModelExtractor.Field(key: "company", label: "Company"), ModelExtractor.Field(key: "job_title", label: "Job title")]

    /// The client under test; the wait is the model's timeout only where a test measures it, else long enough
    /// for a machine busy with every other suite.
    static func extractor(_ url: String, timeout: TimeAmount = .seconds(60)) -> ModelExtractor {
        var settings = ModelExtractor.Settings(baseURL: url, apiKey: "sk-test", model: "test-model")
        settings.timeout = timeout
        var logger = Logger(label: "model-test")
        logger.logLevel = .critical
        return ModelExtractor(settings: settings, client: .shared, logger: logger)
    }

    static let answer = #"{"company":{"value":"Acme Robotics","quote":"I work at Acme Robotics"},"job_title":{"value":"Head of purchasing","quote":"I'm the head of purchasing"},"summary":"Wants a quote; reach at [email 1]."}"#

    @Test("success: values with verbatim quotes and a summary; the request is strict, at temperature 0, with emails and phones masked")
    func success() async throws {
        let model = ScriptedModel([ScriptedModel.completion(Self.answer)])
        let found = try await model.serve { url in try await Self.extractor(url).extract(Self.transcript, fields: Self.fields, summary: true) }
        #expect(found.values == ["company": "Acme Robotics", "job_title": "Head of purchasing"])
        #expect(found.evidence.contains(Evidence(agentField: "company", messageIndex: 1, quote: "I work at Acme Robotics")))
        #expect(found.evidence.contains(Evidence(agentField: "job_title", messageIndex: 3, quote: "I'm the head of purchasing")))
        #expect(found.summary == "Wants a quote; reach at ceo@acme.example.")
        let request = try #require(model.requests.first)
        #expect(request["temperature"] as? Int == 0)
        #expect(request["model"] as? String == "test-model")
        let format = try #require(request["response_format"] as? [String: Any])
        let schema = try #require(format["json_schema"] as? [String: Any])
        #expect(schema["strict"] as? Bool == true)
        #expect(((schema["schema"] as? [String: Any])?["required"] as? [String]) == ["company", "job_title", "summary"])
        let sent = String(decoding: try JSONSerialization.data(withJSONObject: request), as: UTF8.self)
        #expect(!sent.contains("ceo@acme.example"))
        #expect(!sent.contains("555"))
        #expect(sent.contains("[email 1]") && sent.contains("[phone 1]"))
    }

    @Test("a value without a verbatim customer quote is dropped; an agent's words are no quote")
    func unquotedDropped() async throws {
        let content = #"{"company":{"value":"Acme Robotics","quote":"I work for Acme Robotics Inc."},"job_title":{"value":"Role","quote":"And your role?"}}"#
        let model = ScriptedModel([ScriptedModel.completion(content)])
        let found = try await model.serve { url in try await Self.extractor(url).extract(Self.transcript, fields: Self.fields, summary: false) }
        #expect(found.values.isEmpty)
        #expect(found.evidence.isEmpty)
    }

    @Test("a refusal is discarded")
    func refusal() async throws {
        let model = ScriptedModel([ScriptedModel.completion("", refusal: "I can't help with that.")])
        await #expect(throws: ModelExtractor.Failure.refused) {
            try await model.serve { url in try await Self.extractor(url).extract(Self.transcript, fields: Self.fields, summary: true) }
        }
    }

    @Test("finish_reason length (a truncated answer) is discarded")
    func truncated() async throws {
        let model = ScriptedModel([ScriptedModel.completion(#"{"company":{"value":"Acme"#, finishReason: "length")])
        await #expect(throws: ModelExtractor.Failure.truncated(finishReason: "length")) {
            try await model.serve { url in try await Self.extractor(url).extract(Self.transcript, fields: Self.fields, summary: true) }
        }
    }

    @Test("invalid JSON content is discarded")
    func invalidJSON() async throws {
        let model = ScriptedModel([ScriptedModel.completion("Sure! The company is Acme.")])
        await #expect(throws: ModelExtractor.Failure.invalidAnswer) {
            try await model.serve { url in try await Self.extractor(url).extract(Self.transcript, fields: Self.fields, summary: true) }
        }
    }

    @Test("429 with Retry-After is retried after the wait it asks for")
    func rateLimited() async throws {
        let model = ScriptedModel([ScriptedModel.error(429, retryAfter: "1"), ScriptedModel.completion(Self.answer)])
        let start = ContinuousClock.now
        let found = try await model.serve { url in try await Self.extractor(url).extract(Self.transcript, fields: Self.fields, summary: false) }
        #expect(ContinuousClock.now - start >= .milliseconds(950))
        #expect(found.values["company"] == "Acme Robotics")
        #expect(model.requests.count == 2)
    }

    @Test("500 then success")
    func serverErrorThenSuccess() async throws {
        let model = ScriptedModel([ScriptedModel.error(500), ScriptedModel.completion(Self.answer)])
        let found = try await model.serve { url in try await Self.extractor(url).extract(Self.transcript, fields: Self.fields, summary: false) }
        #expect(found.values["job_title"] == "Head of purchasing")
        #expect(model.requests.count == 2)
    }

    @Test("a slow endpoint times out")
    func timeout() async throws {
        var slow = ScriptedModel.completion(Self.answer)
        slow.delay = .seconds(30)
        let model = ScriptedModel([slow])
        // Only the call is timed: the scripted server may still finish its slow answer while it stops. The answer
        // comes late enough that a machine busy with every other suite still tells giving up from waiting for it.
        let waited = try await model.serve { url in
            let start = ContinuousClock.now
            await #expect(throws: ModelExtractor.Failure.timedOut) {
                try await Self.extractor(url, timeout: .milliseconds(300)).extract(Self.transcript, fields: Self.fields, summary: false)
            }
            return ContinuousClock.now - start
        }
        #expect(waited < .seconds(20), "the call gave up after \(waited), not when the answer came (at 30 s)")
    }

    @Test("only the last turns are sent")
    func cappedTranscript() async throws {
        var settings = ModelExtractor.Settings(baseURL: "http://unused", apiKey: "k", model: "m")
        settings.maxTurns = 2
        let extractor = ModelExtractor(settings: settings, client: .shared, logger: Logger(label: "t"))
        let body = try extractor.requestBody(Placeholders(Array(Self.transcript.suffix(2))), fields: Self.fields, summary: false)
        let text = String(decoding: body, as: UTF8.self)
        #expect(!text.contains("which company"))
        #expect(text.contains("head of purchasing"))
    }
}
