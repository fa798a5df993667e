import ContactSyncCore
import ContactSyncStore
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Testing

@testable import ContactSyncServer

/// No single client can stall, exhaust or reach past its key (ARCHITECTURE §6): the message limit, agent keys as a
/// boundary, client-chosen ids, notices, slowed guessing, files only the operator reads, and errors that
/// name neither Swift types nor more problems than anyone reads.
@Suite("Hardening: limits, agent boundaries, ids, guessing, errors")
struct HardeningTests {
    static func json(_ object: Any) throws -> String { String(decoding: try JSONSerialization.data(withJSONObject: object), as: UTF8.self) }

    @Test("messageTooLong: a message over the limit answers 413 message_too_long and stores nothing; one at the limit is stored")
    func messageTooLong() async throws {
        try await withServer { api in
            let action = try await api.action(.hubspot, allowCreate: true, allowUpdateExisting: true)
            let chat = try await api.conversation(actions: [action])
            let over = try await api.call(.post, "/v1/conversations/\(chat)/messages", json: try Self.json(["role": "customer", "text": String(repeating: "é", count: 32_001)]))
            #expect(over.status == .contentTooLarge)
            #expect(over.errorCode == "message_too_long")
            #expect(try await api.call(.get, "/v1/conversations/\(chat)").json?["messageCount"] as? Int == 0)
            let at = try await api.call(.post, "/v1/conversations/\(chat)/messages", json: try Self.json(["role": "customer", "text": String(repeating: "a dot ", count: 5_333) + "ab"]))
            #expect(at.status == .created)
            #expect(at.json?["messageCount"] as? Int == 1)
        }
    }

    @Test("messageLimitIsASetting: a smaller limit refuses a message over it")
    func messageLimitIsASetting() async throws {
        try await withServer(configure: { $0.services.maxMessageCharacters = 10 }) { api in
            let chat = try await api.conversation(actions: [try await api.action(.salesforce, allowCreate: true, allowUpdateExisting: true)])
            #expect(try await api.call(.post, "/v1/conversations/\(chat)/messages", json: #"{"role":"customer","text":"0123456789"}"#).status == .created)
            #expect(try await api.call(.post, "/v1/conversations/\(chat)/messages", json: #"{"role":"customer","text":"0123456789x"}"#).errorCode == "message_too_long")
        }
    }

    @Test("crossAgentValuesStayWithTheirAgent: what an agent key remembers for a customer is written by that agent's runs only; the admin key's by every agent's", arguments: Scenario.both)
    func crossAgentValuesStayWithTheirAgent(_ scenario: Scenario) async throws {
        try await withServer { api in
            let account = try await api.emulatorAccount(scenario.crm)
            let action = try await api.action(scenario, allowCreate: true, allowUpdateExisting: true, account: account)
            let agentA = try #require(try await api.call(.post, "/v1/agents", json: #"{"name":"A","channel":"text","actionIds":["\#(action)"]}"#).string("id"))
            let agentB = try #require(try await api.call(.post, "/v1/agents", json: #"{"name":"B","channel":"text","actionIds":["\#(action)"]}"#).string("id"))
            let keyB = try #require(try await api.call(.post, "/v1/agents/\(agentB)/keys").string("key"))

            // Agent B's key plants a first name for a customer.
            let planted = "planted-\(scenario.crm.rawValue)@example.com"
            #expect(try await api.call(.post, "/v1/conversations", json: #"{"id":"b-chat","agentId":"\#(agentB)"}"#, key: keyB).status == .created)
            let patch = try await api.call(.patch, "/v1/conversations/b-chat/attributes", json: #"{"email":"\#(planted)","first_name":"PLANTED","last_name":"Bee"}"#, key: keyB)
            #expect(patch.status == .ok)

            // Agent A's run for that customer does not see it.
            #expect(try await api.call(.post, "/v1/conversations", json: #"{"id":"a-chat","agentId":"\#(agentA)"}"#).status == .created)
            try await api.call(.patch, "/v1/conversations/a-chat/attributes", json: #"{"email":"\#(planted)","last_name":"Ay"}"#)
            let runA = try await api.run(action, conversation: "a-chat")
            #expect(runA.json?["status"] as? String == "succeeded", "\(runA.body)")
            let sourcesA = (runA.json?["valueSources"] as? [String: String]) ?? [:]
            #expect(sourcesA[scenario.firstName] == nil, "\(runA.body)")
            #expect(!runA.body.contains("PLANTED"))

            // Agent B's own run does.
            let runB = try await api.run(action, conversation: try await api.call(.post, "/v1/conversations", json: #"{"id":"b-chat-2","agentId":"\#(agentB)"}"#, key: keyB).string("id"), fields: ["email": planted, "last_name": "Bee"])
            #expect((runB.json?["valueSources"] as? [String: String])?[scenario.firstName] == "contact_attribute", "\(runB.body)")

            // What the admin key remembers, every agent's runs read.
            let shared = "shared-\(scenario.crm.rawValue)@example.com"
            try await api.call(.post, "/v1/conversations", json: #"{"id":"admin-chat","agentId":"\#(agentB)"}"#)
            try await api.call(.patch, "/v1/conversations/admin-chat/attributes", json: #"{"email":"\#(shared)","first_name":"Shared"}"#)
            try await api.call(.post, "/v1/conversations", json: #"{"id":"a-chat-2","agentId":"\#(agentA)"}"#)
            try await api.call(.patch, "/v1/conversations/a-chat-2/attributes", json: #"{"email":"\#(shared)","last_name":"Ay"}"#)
            let runShared = try await api.run(action, conversation: "a-chat-2")
            #expect((runShared.json?["valueSources"] as? [String: String])?[scenario.firstName] == "contact_attribute", "\(runShared.body)")
        }
    }

    @Test("agentKeyReachesOnlyItsOwn: an agent key opens its agent's MCP endpoint and conversations; every admin route and other agents' endpoints answer 403")
    func agentKeyReachesOnlyItsOwn() async throws {
        try await withServer { api in
            let action = try await api.action(.hubspot, allowCreate: true, allowUpdateExisting: true)
            let mine = try #require(try await api.call(.post, "/v1/agents", json: #"{"name":"Mine","channel":"text","actionIds":["\#(action)"]}"#).string("id"))
            let theirs = try #require(try await api.call(.post, "/v1/agents", json: #"{"name":"Theirs","channel":"text"}"#).string("id"))
            let key = try #require(try await api.call(.post, "/v1/agents/\(mine)/keys").string("key"))
            let refused: [(HTTPRequest.Method, String)] = [
                (.get, "/v1/actions"), (.get, "/v1/accounts"), (.get, "/v1/fields"), (.get, "/v1/agents/\(mine)"), (.get, "/v1/templates"),
                (.post, "/v1/agents/\(mine)/keys"), (.get, "/v1/agents/\(mine)/keys"), (.post, "/v1/actions/\(action)/runs"), (.get, "/v1/runs"),
                (.get, "/metrics"), (.post, "/v1/agents/\(theirs)/mcp"),
            ]
            for (method, path) in refused {
                let answer = try await api.call(method, path, json: method == .post ? "{}" : nil, key: key)
                #expect(answer.status == .forbidden, "\(method) \(path) answered \(answer.status)")
                #expect(answer.errorCode == "forbidden")
            }
            #expect(try await api.call(.post, "/v1/conversations", json: #"{"id":"mine-chat","agentId":"\#(mine)"}"#, key: key).status == .created)
            #expect(try await api.call(.get, "/v1/conversations/mine-chat", key: key).status == .ok)
            let initialize = #"{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-06-18","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}"#
            let own = try await api.call(.post, "/v1/agents/\(mine)/mcp", json: initialize, key: key, headers: [.accept: "application/json, text/event-stream"])
            #expect(own.status == .ok, "\(own.body)")
            // The admin key still opens everything.
            #expect(try await api.call(.get, "/v1/runs").status == .ok)
            #expect(try await api.call(.post, "/v1/agents/\(theirs)/mcp", json: initialize, headers: [.accept: "application/json, text/event-stream"]).status == .ok)
        }
    }

    @Test("agentKeyCannotEnumerateConversations: another agent's conversation answers an agent key exactly as a missing one does")
    func agentKeyCannotEnumerateConversations() async throws {
        try await withServer { api in
            let action = try await api.action(.hubspot, allowCreate: true, allowUpdateExisting: true)
            let mine = try #require(try await api.call(.post, "/v1/agents", json: #"{"name":"Mine","channel":"text","actionIds":["\#(action)"]}"#).string("id"))
            let theirs = try #require(try await api.call(.post, "/v1/agents", json: #"{"name":"Theirs","channel":"text","actionIds":["\#(action)"]}"#).string("id"))
            let key = try #require(try await api.call(.post, "/v1/agents/\(mine)/keys").string("key"))
            try await api.call(.post, "/v1/conversations", json: #"{"id":"their-chat","agentId":"\#(theirs)"}"#)
            for (method, suffix, body) in [
                (HTTPRequest.Method.get, "", nil), (.post, "/messages", #"{"role":"customer","text":"hi"}"#), (.patch, "/attributes", #"{"first_name":"X"}"#),
                (.put, "/summary", #"{"text":"s"}"#), (.post, "/end", nil),
            ] as [(HTTPRequest.Method, String, String?)] {
                let existing = try await api.call(method, "/v1/conversations/their-chat\(suffix)", json: body, key: key)
                let missing = try await api.call(method, "/v1/conversations/nobodys-chat\(suffix)", json: body, key: key)
                #expect(existing.status == .notFound, "\(method) \(suffix): \(existing.body)")
                #expect(existing.status == missing.status)
                #expect(existing.body.replacingOccurrences(of: "their-chat", with: "ID") == missing.body.replacingOccurrences(of: "nobodys-chat", with: "ID"))
            }
            #expect(try await api.call(.get, "/v1/conversations/their-chat").string("agentId") == theirs)
        }
    }

    @Test("idsArePrintable: a conversation id with a line break or another control character answers 422 invalid_id")
    func idsArePrintable() async throws {
        try await withServer { api in
            let action = try await api.action(.hubspot, allowCreate: true, allowUpdateExisting: true)
            let agent = try #require(try await api.call(.post, "/v1/agents", json: #"{"name":"A","channel":"text","actionIds":["\#(action)"]}"#).string("id"))
            for id in ["forged\nlevel=error msg=hacked", "tab\there", "bell\u{7}", "right-to-left\u{202E}txt", "null\u{0}"] {
                let answer = try await api.call(.post, "/v1/conversations", json: try Self.json(["id": id, "agentId": agent]))
                #expect(answer.status == .unprocessableContent, "\(id.debugDescription): \(answer.body)")
                #expect(answer.errorCode == "invalid_id")
            }
            #expect(try await api.call(.post, "/v1/conversations", json: try Self.json(["id": "chat-8812 ünïcødé ✓", "agentId": agent])).status == .created)
            #expect(ClientIdentifier.isPrintable("key-1") && !ClientIdentifier.isPrintable("key\r\n1"))
        }
    }

    @Test("consoleNoticeIsACode: the accounts page shows only notices it chose, named by code")
    func consoleNoticeIsACode() async throws {
        try await withServer { api in
            let (browser, _) = try await ConsoleSecurityTests.signIn(api)
            let forged = try await ConsoleSecurityTests.send(api, .get, "/console/accounts?notice=Your%20account%20is%20locked.%20Call%20555-0100", cookie: browser.cookie)
            #expect(forged.status == .ok)
            #expect(!forged.body.contains("locked"))
            #expect(!forged.body.contains("class=\"notice\""))
            let chosen = try await ConsoleSecurityTests.send(api, .get, "/console/accounts?notice=disconnected", cookie: browser.cookie)
            #expect(chosen.body.contains("Disconnected."))
        }
    }

    @Test("slowedGuessing: after a few wrong keys each further one from the same address is answered later, logged at warning without the key; a right key is never slowed")
    func slowedGuessing() async throws {
        let sink = LogSink()
        try await withServer(logSink: sink) { api in
            let clock = ContinuousClock()
            var timings: [Duration] = []
            for attempt in 0..<8 {
                let start = clock.now
                let status = try await api.call(.get, "/v1/actions", key: "csk_guess_\(attempt)").status
                timings.append(clock.now - start)
                #expect(status == .unauthorized)
            }
            // Five answered at once, then 250 ms, 500 ms, 1 s.
            #expect(timings[5] >= .milliseconds(250), "\(timings)")
            #expect(timings[6] >= .milliseconds(500), "\(timings)")
            #expect(timings[7] >= .seconds(1), "\(timings)")
            // Slowed, the right key would wait at least the last delay (1 s) every time; unslowed it answers at
            // once. The fastest of three answers counts, so that one stall of a loaded machine cannot decide it.
            var fastest = Duration.seconds(3600)
            for _ in 0..<3 {
                let start = clock.now
                #expect(try await api.call(.get, "/v1/actions").status == .ok)
                fastest = min(fastest, clock.now - start)
            }
            #expect(fastest < .seconds(1))
        }
        let warnings = sink.lines.withLock { $0.filter { $0.hasPrefix("warning authentication failed") } }
        #expect(warnings.count == 8)
        #expect(!sink.text.contains("csk_guess_"))
        let limiter = FailedAuthentications(logger: sink.logger)
        #expect(await limiter.delay(afterFailures: 5) == .zero)
        #expect(await limiter.delay(afterFailures: 100) == .seconds(5))
    }

    @Test("privateFiles: the data directory is 0700 and the database and key files 0600")
    func privateFiles() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("contact-sync-modes-\(UUID().uuidString)/data").path
        try await withServer(configure: {
            $0.services.database = .sqlite(path: directory + "/contact-sync.sqlite")
            $0.services.dataDirectory = directory
        }) { api in
            #expect(try await api.call(.get, "/v1/actions").status == .ok)
            func mode(_ path: String) throws -> Int { try #require(try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int) & 0o777 }
            #expect(try mode(directory) == 0o700)
            for file in try FileManager.default.contentsOfDirectory(atPath: directory) {
                #expect(try mode(directory + "/" + file) == 0o600, "\(file)")
            }
        }
        let keys = FileManager.default.temporaryDirectory.appendingPathComponent("contact-sync-keys-\(UUID().uuidString)/data").path
        _ = try SecretBox.load(base64Key: nil, directory: keys)
        #expect(try FileManager.default.attributesOfItem(atPath: keys)[.posixPermissions] as? Int == 0o700)
        #expect(try FileManager.default.attributesOfItem(atPath: keys + "/secret.key")[.posixPermissions] as? Int == 0o600)
    }

    @Test("keyAnswersAreNoStore: the answer that shows a new agent key may not be cached")
    func keyAnswersAreNoStore() async throws {
        try await withServer { api in
            let action = try await api.action(.hubspot, allowCreate: true, allowUpdateExisting: true)
            let agent = try #require(try await api.call(.post, "/v1/agents", json: #"{"name":"A","channel":"text","actionIds":["\#(action)"]}"#).string("id"))
            let created = try await api.call(.post, "/v1/agents/\(agent)/keys")
            #expect(created.status == .created)
            #expect(created.headers[.cacheControl] == "no-store")
        }
    }

    @Test("cappedProblems: a 422 lists at most 50 problems and says how many more there were")
    func cappedProblems() async throws {
        try await withServer { api in
            let chat = try await api.conversation(actions: [try await api.action(.hubspot, allowCreate: true, allowUpdateExisting: true)])
            var unknown: [String: String] = [:]
            for index in 0..<2_000 { unknown["unknown_field_\(index)"] = "x" }
            let answer = try await api.call(.patch, "/v1/conversations/\(chat)/attributes", json: try Self.json(unknown))
            #expect(answer.status == .unprocessableContent)
            #expect(answer.details.count == 50)
            let error = try #require(answer.json?["error"] as? [String: Any])
            #expect(error["omittedDetails"] as? Int == 1_950)
            #expect((error["message"] as? String)?.contains("1950 more problems not listed") == true)
            #expect(answer.body.utf8.count < 100_000)
        }
    }

    @Test("noTypeNames: wrong types and malformed JSON are described in the API's words, never with a Swift type or Foundation's text")
    func noTypeNames() async throws {
        try await withServer { api in
            for body in [#"{"agentId":5}"#, #"{"agentId":"a","id":["x"]}"#, "{not json", #"{"id":"x"}"#, "[1,2]", #"{"agentId":null}"#] {
                let answer = try await api.call(.post, "/v1/conversations", json: body)
                #expect(answer.status == .badRequest, "\(body): \(answer.body)")
                #expect(answer.errorCode == "invalid_request")
                for leak in ["String", "Swift", "Decoding", "given data", "CodingKeys", "_JSONKey", "Optional", "Array<", "Dictionary"] {
                    #expect(!answer.body.contains(leak), "\(body): \(answer.body)")
                }
            }
            let typed = try await api.call(.post, "/v1/conversations", json: #"{"agentId":5}"#)
            #expect((typed.json?["error"] as? [String: Any])?["message"] as? String == "Invalid value at agentId.")
        }
    }

    @Test("connectionsStayWithinTheOpenFileLimit: however many connections are asked for, accepting never runs out of file descriptors")
    func connectionsStayWithinTheOpenFileLimit() {
        #expect(ConnectionLimits.servable(5_000, openFileLimit: 256) == 192)
        #expect(ConnectionLimits.servable(100, openFileLimit: 256) == 100)
        #expect(ConnectionLimits.servable(5_000, openFileLimit: nil) == 5_000)
        #expect(ConnectionLimits.servable(5_000, openFileLimit: 40) == 16)
        #expect(ConnectionLimits.defaultMaxConnections <= 1024)
    }

    @Test("abortedRequestsAreNotErrors: a client that goes away or sends malformed HTTP is the client's doing, logged below error")
    func abortedRequestsAreNotErrors() {
        #expect(ClientFault.isClientFault(ChannelError.ioOnClosedChannel))
        #expect(ClientFault.isClientFault(ChannelError.eof))
        #expect(ClientFault.isClientFault(CancellationError()))
        #expect(ClientFault.isClientFault(IOError(errnoCode: ECONNRESET, reason: "read")))
        #expect(!ClientFault.isClientFault(RepositoryError.conflict("x")))
    }
}
