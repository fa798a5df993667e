import ContactSyncCore
import Foundation
import Testing

/// A platform webhook's signature is its authentication: each platform's scheme as its docs and official
/// SDK define it, with its timestamp tolerance (ARCHITECTURE §13). The vectors were made with the SDKs'
/// algorithms (Retell `webhook_auth.sign`, ElevenLabs `construct_event`'s HMAC).
@Suite struct WebhookSignatureTests {
    static let body = Array(#"{"event":"call_ended","call":{"call_id":"c1"}}"#.utf8)
    static let signedAt = Date(timeIntervalSince1970: 1_764_936_000)

    func verify(_ platform: VoicePlatform, _ headers: [String: String], secret: String, body: [UInt8] = body, at: Date = signedAt) -> WebhookSignature.Verdict {
        WebhookSignature.verify(platform, body: body, headers: headers, secret: secret, now: at)
    }

    @Test("Retell: X-Retell-Signature v=<ms>,d=<hex> over the body and the timestamp; 5 minutes either way")
    func retell() {
        let header = ["x-retell-signature": "v=1764936000000,d=a281f2a04be9467053a2b0d63b550f4aa91759b660fb7f0a5fd04f63a37433b0"]
        #expect(verify(.retell, header, secret: "key_abc") == .valid)
        #expect(verify(.retell, header, secret: "key_abd") == .invalid)
        #expect(verify(.retell, header, secret: "key_abc", body: Self.body + [0x20]) == .invalid)
        #expect(verify(.retell, header, secret: "key_abc", at: Self.signedAt.addingTimeInterval(299)) == .valid)
        #expect(verify(.retell, header, secret: "key_abc", at: Self.signedAt.addingTimeInterval(301)) == .stale)
        #expect(verify(.retell, header, secret: "key_abc", at: Self.signedAt.addingTimeInterval(-301)) == .stale)
        #expect(verify(.retell, [:], secret: "key_abc") == .missing)
        // The SDK's pattern: lowercase hex of 64 digits, nothing else.
        for malformed in ["v=1764936000000,d=A281F2A04BE9467053A2B0D63B550F4AA91759B660FB7F0A5FD04F63A37433B0", "v=,d=00", "d=a281,v=1", "garbage"] {
            #expect(verify(.retell, ["x-retell-signature": malformed], secret: "key_abc") == .invalid)
        }
    }

    @Test("ElevenLabs: ElevenLabs-Signature t=<s>,v0=<hex> over \"<t>.<body>\"; 30 minutes")
    func elevenLabs() {
        let header = ["elevenlabs-signature": "t=1764936000,v0=3f2ce527084a264fe38f4e6ca31f9502ce6930254a7a2861ac1a47e7ff3cbb4a"]
        #expect(verify(.elevenlabs, header, secret: "wsec_1") == .valid)
        #expect(verify(.elevenlabs, header, secret: "wsec_2") == .invalid)
        #expect(verify(.elevenlabs, header, secret: "wsec_1", at: Self.signedAt.addingTimeInterval(29 * 60)) == .valid)
        #expect(verify(.elevenlabs, header, secret: "wsec_1", at: Self.signedAt.addingTimeInterval(31 * 60)) == .stale)
        #expect(verify(.elevenlabs, ["elevenlabs-signature": "t=1764936000"], secret: "wsec_1") == .invalid)
        #expect(verify(.elevenlabs, [:], secret: "wsec_1") == .missing)
    }

    @Test("Vapi: the HMAC credential over the body or \"<timestamp>.<body>\", or the bearer token")
    func vapi() {
        let hmac = "87962b9b3f49129ca6db77c53b66d5c98b59f6c51370492dccb8e1ba8e66594d"
        #expect(verify(.vapi, ["x-vapi-signature": hmac], secret: "vapi_1") == .valid)
        #expect(verify(.vapi, ["x-signature": "sha256=" + hmac], secret: "vapi_1") == .valid)
        #expect(verify(.vapi, ["x-vapi-signature": hmac], secret: "vapi_2") == .invalid)
        #expect(verify(.vapi, ["authorization": "Bearer vapi_1"], secret: "vapi_1") == .valid)
        #expect(verify(.vapi, ["x-vapi-secret": "vapi_1"], secret: "vapi_1") == .valid)
        #expect(verify(.vapi, ["authorization": "Bearer vapi_2"], secret: "vapi_1") == .invalid)
        #expect(verify(.vapi, [:], secret: "vapi_1") == .missing)
        // With a timestamp header the signed payload is "<timestamp>.<body>", and an old one is a replay.
        let stamped = WebhookSignature.sign(.vapi, body: Array("1764936000000.".utf8) + Self.body, secret: "vapi_1", at: Self.signedAt)
        let headers = ["x-vapi-signature": stamped["x-vapi-signature"]!, "x-vapi-timestamp": "1764936000000"]
        #expect(verify(.vapi, headers, secret: "vapi_1") == .valid)
        #expect(verify(.vapi, headers, secret: "vapi_1", at: Self.signedAt.addingTimeInterval(6 * 60)) == .stale)
    }

    @Test("what contact-sync signs, it verifies, for every platform")
    func roundTrip() {
        for platform in VoicePlatform.allCases {
            let headers = Dictionary(uniqueKeysWithValues: WebhookSignature.sign(platform, body: Self.body, secret: "s3cret", at: Self.signedAt).map {
                ($0.key.lowercased(), $0.value)
            })
            #expect(verify(platform, headers, secret: "s3cret") == .valid, "\(platform)")
            #expect(verify(platform, headers, secret: "s3cret", body: Array(#"{"event":"call_ended","call":{"call_id":"c2"}}"#.utf8)) == .invalid)
        }
    }
}

/// Each platform's delivery read into one shape (ARCHITECTURE §13).
@Suite struct PlatformEventTests {
    @Test("Retell call_analyzed: the call, its transcript with times, the caller, the summary and custom analysis")
    func retell() throws {
        let body = #"""
        {"event":"call_analyzed","call":{"call_id":"c9","direction":"inbound","from_number":"+14155550142","to_number":"+14155550100",
         "start_timestamp":1764936000000,"end_timestamp":1764936061400,"transcript_object":[{"role":"agent","content":"Your email?","words":[{"start":0.5}]},
         {"role":"user","content":"ada@example.com","words":[{"start":2.0}]}],
         "call_analysis":{"call_summary":"Asked about pricing.","custom_analysis_data":{"plan":"Pro","seats":12,"urgent":true,"notes":null}}}}
        """#
        let event = try PlatformEvent.decode(.retell, body: Array(body.utf8))
        #expect(event.callId == "c9" && event.ended && event.customerNumber == "+14155550142")
        #expect(event.turns.map(\.role) == ["agent", "customer"])
        #expect(event.turns[1].at == Date(timeIntervalSince1970: 1_764_936_002))
        #expect(event.summary == "Asked about pricing.")
        #expect(event.analysis == ["plan": "Pro", "seats": "12", "urgent": "true"])
        #expect(event.call == CallFacts(
            direction: "inbound", startedAt: Date(timeIntervalSince1970: 1_764_936_000), durationSeconds: 61, from: "+14155550142", to: "+14155550100"))
        let connection = PlatformConnection(
            agentId: "agt", platform: .retell, mapping: [.init(key: "plan", agentField: "plan"), .init(key: "absent", agentField: "x")],
            callerPhoneField: "phone", createdAt: .now, updatedAt: .now)
        #expect(event.attributes(through: connection) == ["plan": "Pro", "phone": "+14155550142"])
        let outbound = try PlatformEvent.decode(.retell, body: Array(body.replacingOccurrences(of: "inbound", with: "outbound").utf8))
        #expect(outbound.customerNumber == "+14155550100")
    }

    @Test("Vapi end-of-call-report and ElevenLabs post_call_transcription; other event types are not used")
    func vapiAndElevenLabs() throws {
        let vapi = #"{"message":{"type":"end-of-call-report","call":{"id":"v1","customer":{"number":"+1415"}},"artifact":{"messages":[{"role":"system","message":"prompt"},{"role":"bot","message":"Hi","time":1764936000000},{"role":"user","message":"Grace here","time":1764936003000}]},"analysis":{"summary":"S","structuredData":{"firstName":"Grace"}}}}"#
        let report = try PlatformEvent.decode(.vapi, body: Array(vapi.utf8))
        #expect(report.callId == "v1" && report.customerNumber == "+1415" && report.summary == "S" && report.analysis == ["firstName": "Grace"])
        #expect(report.turns.map(\.text) == ["Hi", "Grace here"])
        let eleven = #"{"type":"post_call_transcription","data":{"conversation_id":"e1","transcript":[{"role":"user","message":"Hello","time_in_call_secs":3}],"metadata":{"start_time_unix_secs":1764936000,"phone_call":{"external_number":"+44"}},"analysis":{"transcript_summary":"T","data_collection_results":{"name":{"value":"Alan"},"size":{"value":4}}}}}"#
        let transcription = try PlatformEvent.decode(.elevenlabs, body: Array(eleven.utf8))
        #expect(transcription.callId == "e1" && transcription.customerNumber == "+44" && transcription.summary == "T")
        #expect(transcription.analysis == ["name": "Alan", "size": "4"])
        #expect(transcription.turns.first?.at == Date(timeIntervalSince1970: 1_764_936_003))
        #expect(report.call?.from == "+1415" && transcription.call?.from == "+44" && transcription.call?.startedAt == Date(timeIntervalSince1970: 1_764_936_000))
        #expect(try PlatformEvent.decode(.retell, body: Array(#"{"event":"call_started","call":{"call_id":"c"}}"#.utf8)).callId == nil)
        #expect(try PlatformEvent.decode(.vapi, body: Array(#"{"message":{"type":"status-update"}}"#.utf8)).callId == nil)
        #expect(throws: PlatformEvent.Unreadable.self) { try PlatformEvent.decode(.elevenlabs, body: Array("[1]".utf8)) }
        #expect(throws: PlatformEvent.Unreadable.self) { try PlatformEvent.decode(.retell, body: Array(#"{"event":"call_ended"}"#.utf8)) }
    }
}
