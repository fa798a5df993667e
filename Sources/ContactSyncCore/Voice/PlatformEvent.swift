import Foundation

/// What one platform delivery says about a call, in the platform's own words made common: its id, the
/// transcript, the customer's number, the summary and analysis values, and whether the call has ended.
public struct PlatformEvent: Sendable, Hashable {
    /// One turn of the transcript.
    public struct Turn: Sendable, Hashable {
        /// `customer` or `agent`.
        public var role: String
        public var text: String
        /// When it was said, when the platform says.
        public var at: Date?
    }

    /// The platform's event type (`call_ended`, `end-of-call-report`, `post_call_transcription`, …).
    public var type: String
    /// Nil for an event contact-sync does not use (it is recorded as ignored).
    public var callId: String?
    public var turns: [Turn] = []
    /// The customer's number: the caller of an inbound call, the callee of an outbound one.
    public var customerNumber: String?
    public var summary: String?
    /// Analysis values by the platform's key, as text (numbers and booleans written out).
    public var analysis: [String: String] = [:]
    /// Whether the call is over (every event contact-sync uses is sent after the call).
    public var ended = false
    public var startedAt: Date?
    /// What the platform says of the call: direction, start, duration, the numbers.
    public var call: CallFacts?

    /// Why a body cannot be read as a delivery of the platform.
    public struct Unreadable: Error, Sendable, Hashable {
        public let reason: String
    }

    /// Reads a delivery's raw body.
    public static func decode(_ platform: VoicePlatform, body: [UInt8]) throws(Unreadable) -> PlatformEvent {
        guard let object = (try? JSONSerialization.jsonObject(with: Data(body))) as? [String: Any] else {
            throw Unreadable(reason: "The body is not a JSON object.")
        }
        switch platform {
        case .retell: return try retell(object)
        case .vapi: return try vapi(object)
        case .elevenlabs: return try elevenLabs(object)
        }
    }

    /// Retell: `{"event", "call": {call_id, transcript_object, from_number, to_number, direction,
    /// start_timestamp, end_timestamp, call_analysis: {call_summary, custom_analysis_data}}}`.
    static func retell(_ object: [String: Any]) throws(Unreadable) -> PlatformEvent {
        guard let type = object["event"] as? String else { throw Unreadable(reason: "A Retell delivery names its event.") }
        var event = PlatformEvent(type: type)
        guard ["call_ended", "call_analyzed"].contains(type) else { return event }
        guard let call = object["call"] as? [String: Any] ?? object["data"] as? [String: Any], let id = text(call["call_id"]) else {
            throw Unreadable(reason: "A Retell \(type) delivery carries the call and its call_id.")
        }
        event.callId = id
        event.ended = true
        let start = (call["start_timestamp"] as? NSNumber).map { Date(timeIntervalSince1970: $0.doubleValue / 1000) }
        event.startedAt = start
        let outbound = (call["direction"] as? String) == "outbound"
        event.customerNumber = text(outbound ? call["to_number"] : call["from_number"])
        let end = (call["end_timestamp"] as? NSNumber).map { Date(timeIntervalSince1970: $0.doubleValue / 1000) }
        event.call = CallFacts(
            direction: outbound ? "outbound" : (call["direction"] == nil ? nil : "inbound"), startedAt: start,
            durationSeconds: start.flatMap { start in end.map { Int($0.timeIntervalSince(start).rounded()) } },
            from: text(call["from_number"]), to: text(call["to_number"]))
        for turn in call["transcript_object"] as? [[String: Any]] ?? [] {
            guard let content = text(turn["content"]) else { continue }
            let firstWord = (turn["words"] as? [[String: Any]])?.first?["start"] as? NSNumber
            event.turns.append(Turn(
                role: turn["role"] as? String == "agent" ? "agent" : "customer", text: content,
                at: start.flatMap { start in firstWord.map { start.addingTimeInterval($0.doubleValue) } }))
        }
        if let analysis = call["call_analysis"] as? [String: Any] {
            event.summary = text(analysis["call_summary"])
            event.analysis = values(analysis["custom_analysis_data"] as? [String: Any] ?? [:])
        }
        return event
    }

    /// Vapi: `{"message": {"type": "end-of-call-report", "call": {id, customer: {number}, type},
    /// "artifact": {messages: [{role, message, time}]}, "analysis": {summary, structuredData}, startedAt}}`.
    static func vapi(_ object: [String: Any]) throws(Unreadable) -> PlatformEvent {
        guard let message = object["message"] as? [String: Any], let type = message["type"] as? String else {
            throw Unreadable(reason: "A Vapi delivery is a server message with a type.")
        }
        var event = PlatformEvent(type: type)
        guard type == "end-of-call-report" else { return event }
        guard let call = message["call"] as? [String: Any], let id = text(call["id"]) else {
            throw Unreadable(reason: "A Vapi end-of-call-report carries the call and its id.")
        }
        event.callId = id
        event.ended = true
        event.customerNumber = text((call["customer"] as? [String: Any])?["number"])
        event.startedAt = text(message["startedAt"]).flatMap(isoDate)
        let ended = text(message["endedAt"]).flatMap(isoDate)
        let kind = call["type"] as? String
        let outbound = kind == "outboundPhoneCall"
        let ours = text((call["phoneNumber"] as? [String: Any])?["number"])
        event.call = CallFacts(
            direction: outbound ? "outbound" : (kind == "inboundPhoneCall" ? "inbound" : nil), startedAt: event.startedAt,
            durationSeconds: event.startedAt.flatMap { start in ended.map { Int($0.timeIntervalSince(start).rounded()) } },
            from: outbound ? ours : event.customerNumber, to: outbound ? event.customerNumber : ours)
        let artifact = message["artifact"] as? [String: Any] ?? [:]
        for turn in artifact["messages"] as? [[String: Any]] ?? message["messages"] as? [[String: Any]] ?? [] {
            let role = turn["role"] as? String
            guard role == "user" || role == "bot" || role == "assistant", let content = text(turn["message"]) else { continue }
            let time = (turn["time"] as? NSNumber).map { Date(timeIntervalSince1970: $0.doubleValue / 1000) }
            event.turns.append(Turn(role: role == "user" ? "customer" : "agent", text: content, at: time))
        }
        if let analysis = message["analysis"] as? [String: Any] {
            event.summary = text(analysis["summary"])
            event.analysis = values(analysis["structuredData"] as? [String: Any] ?? [:])
        }
        return event
    }

    /// ElevenLabs: `{"type": "post_call_transcription", "data": {conversation_id, transcript: [{role,
    /// message, time_in_call_secs}], metadata: {start_time_unix_secs, phone_call: {external_number,
    /// direction}}, analysis: {transcript_summary, data_collection_results: {id: {value}}}}}`.
    static func elevenLabs(_ object: [String: Any]) throws(Unreadable) -> PlatformEvent {
        guard let type = object["type"] as? String else { throw Unreadable(reason: "An ElevenLabs delivery names its type.") }
        var event = PlatformEvent(type: type)
        guard type == "post_call_transcription" else { return event }
        guard let data = object["data"] as? [String: Any], let id = text(data["conversation_id"]) else {
            throw Unreadable(reason: "An ElevenLabs post_call_transcription carries data.conversation_id.")
        }
        event.callId = id
        event.ended = true
        let metadata = data["metadata"] as? [String: Any] ?? [:]
        let start = (metadata["start_time_unix_secs"] as? NSNumber).map { Date(timeIntervalSince1970: $0.doubleValue) }
        event.startedAt = start
        let phone = metadata["phone_call"] as? [String: Any] ?? [:]
        event.customerNumber = text(phone["external_number"])
        let outbound = phone["direction"] as? String == "outbound"
        event.call = CallFacts(
            direction: phone["direction"] == nil ? nil : (outbound ? "outbound" : "inbound"), startedAt: start,
            durationSeconds: (metadata["call_duration_secs"] as? NSNumber)?.intValue,
            from: text(outbound ? phone["agent_number"] : phone["external_number"]), to: text(outbound ? phone["external_number"] : phone["agent_number"]))
        for turn in data["transcript"] as? [[String: Any]] ?? [] {
            guard let content = text(turn["message"]) else { continue }
            let offset = turn["time_in_call_secs"] as? NSNumber
            event.turns.append(Turn(
                role: turn["role"] as? String == "agent" ? "agent" : "customer", text: content,
                at: start.flatMap { start in offset.map { start.addingTimeInterval($0.doubleValue) } }))
        }
        if let analysis = data["analysis"] as? [String: Any] {
            event.summary = text(analysis["transcript_summary"])
            let results = analysis["data_collection_results"] as? [String: Any] ?? [:]
            event.analysis = values(results.compactMapValues { ($0 as? [String: Any])?["value"] })
        }
        return event
    }

    /// An ISO 8601 time, with or without fractional seconds.
    static func isoDate(_ text: String) -> Date? {
        (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true))) ?? (try? Date(text, strategy: .iso8601))
    }

    /// Non-blank text of a string or number.
    static func text(_ value: Any?) -> String? {
        let text: String? = switch value {
        case let string as String: string
        case let number as NSNumber where !isBoolean(number): number.stringValue
        default: nil
        }
        guard let trimmed = text?.trimmingCharacters(in: .whitespacesAndNewlines), !trimmed.isEmpty else { return nil }
        return trimmed
    }

    /// Whether JSON gave `true` or `false` here rather than a number (both arrive as `NSNumber`).
    static func isBoolean(_ number: NSNumber) -> Bool {
        ObjectIdentifier(Swift.type(of: number)) == ObjectIdentifier(Swift.type(of: NSNumber(value: true)))
    }

    /// Analysis values as text: strings and numbers as they are, booleans as true/false; lists and objects
    /// and nulls are left out (no agent field holds them).
    static func values(_ object: [String: Any]) -> [String: String] {
        object.compactMapValues { value in
            if let number = value as? NSNumber, isBoolean(number) { return number.boolValue ? "true" : "false" }
            return text(value)
        }
    }

    /// What the delivery changes on its conversation, through `connection`: mapped analysis values and the
    /// caller's number as agent-field values.
    public func attributes(through connection: PlatformConnection) -> [String: String] {
        var values: [String: String] = [:]
        if let field = connection.callerPhoneField, let number = customerNumber { values[field] = number }
        for mapping in connection.mapping {
            if let value = analysis[mapping.key] { values[mapping.agentField] = value }
        }
        return values
    }
}
