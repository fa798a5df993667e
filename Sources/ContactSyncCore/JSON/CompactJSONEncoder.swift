import Foundation

/// Encodes `Encodable` values as compact JSON in one pass, writing each value as it arrives instead of building
/// a tree first. The JSON means what Foundation's `JSONEncoder` writes with the same settings (keys in the order
/// they are encoded, no whitespace, `Data` as base64, `URL` as its absolute string, whole `Double`s without
/// `.0`). Shapes it does not stream (a `superEncoder`, two kinds of container for one value, a container
/// written after the value that holds it moved on) and values JSON cannot hold (a non-finite number) are
/// errors; ``encodeOrFallBack(_:)`` then asks Foundation.
public struct CompactJSONEncoder: Sendable {
    /// How dates are written.
    public enum DateEncoding: Sendable {
        /// Seconds since 1 January 2001, as `JSONEncoder`'s default (`.deferredToDate`) writes them.
        case secondsSinceReferenceDate
        /// `2026-12-01T07:02:54Z`, as `JSONEncoder`'s `.iso8601` writes them (whole seconds, UTC).
        case iso8601
    }

    public var dateEncoding: DateEncoding
    /// Writes `/` as `\/`, as `JSONEncoder` does unless told `.withoutEscapingSlashes`.
    public var escapesSlashes: Bool

    public init(dateEncoding: DateEncoding = .secondsSinceReferenceDate, escapesSlashes: Bool = true) {
        self.dateEncoding = dateEncoding
        self.escapesSlashes = escapesSlashes
    }

    /// The JSON of `value`.
    public func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let sink = JSONSink(dateEncoding: dateEncoding, escapesSlashes: escapesSlashes)
        try sink.encode(value, parent: nil, key: nil)
        if let failure = sink.failure { throw failure }
        return sink.bytes
    }

    /// The JSON of `value`; where this encoder cannot write it, Foundation's `JSONEncoder` with the same settings.
    public func encodeOrFallBack<T: Encodable>(_ value: T) throws -> Data {
        if let bytes = try? encode(value) { return Data(bytes) }
        let encoder = JSONEncoder()
        if case .iso8601 = dateEncoding { encoder.dateEncodingStrategy = .iso8601 }
        if !escapesSlashes { encoder.outputFormatting = [.withoutEscapingSlashes] }
        return try encoder.encode(value)
    }
}

/// Why ``CompactJSONEncoder`` could not write a value.
public struct CompactJSONEncodingError: Error, Sendable, CustomStringConvertible {
    public let description: String
}

/// The bytes being written, and the first shape or value that could not be.
/// Its state is touched only by the one encoding under way, so exclusivity is not checked at run time.
final class JSONSink {
    @exclusivity(unchecked) var bytes: [UInt8] = []
    @exclusivity(unchecked) var failure: CompactJSONEncodingError?
    let dateEncoding: CompactJSONEncoder.DateEncoding
    let escapesSlashes: Bool

    init(dateEncoding: CompactJSONEncoder.DateEncoding, escapesSlashes: Bool) {
        self.dateEncoding = dateEncoding
        self.escapesSlashes = escapesSlashes
        bytes.reserveCapacity(512)
    }

    func fail(_ reason: String) {
        if failure == nil { failure = CompactJSONEncodingError(description: reason) }
    }

    /// Writes any value: the types JSON or Foundation treat specially directly, others through their `encode(to:)`.
    func encode<T: Encodable>(_ value: T, parent: StreamingEncoder?, key: (any CodingKey)?) throws {
        // Type identity, not casts: a comparison of metatypes costs next to nothing.
        if T.self == String.self { return write(string: unsafeBitCast(value, to: String.self)) }
        if T.self == Int.self { return write(integer: unsafeBitCast(value, to: Int.self)) }
        if T.self == Bool.self { return write(unsafeBitCast(value, to: Bool.self) ? "true" : "false") }
        if T.self == Double.self { return try write(double: unsafeBitCast(value, to: Double.self)) }
        if T.self == Date.self { return try write(date: unsafeBitCast(value, to: Date.self)) }
        if T.self == Data.self { return write(string: (value as! Data).base64EncodedString()) }
        if T.self == URL.self { return write(string: (value as! URL).absoluteString) }
        if T.self == Float.self { return try write(double: Double(unsafeBitCast(value, to: Float.self)), float: true) }
        if T.self == Decimal.self { throw CompactJSONEncodingError(description: "Decimal is left to JSONEncoder") }
        depth += 1
        defer { depth -= 1 }
        guard depth < Self.maximumDepth else { throw CompactJSONEncodingError(description: "nested deeper than \(Self.maximumDepth)") }
        let encoder = StreamingEncoder(sink: self, parent: parent, key: key, valueType: T.self)
        try value.encode(to: encoder)
        encoder.finish()
    }

    /// A value that encodes itself as itself (the other integer and floating-point types do): written here,
    /// as it would otherwise come back for ever.
    func encodeLeaf<T: Encodable>(_ value: T) throws {
        if let integer = value as? any BinaryInteger { return write(integer: integer) }
        if let number = value as? any BinaryFloatingPoint { return try write(double: Double(number)) }
        throw CompactJSONEncodingError(description: "\(T.self) encodes itself as itself")
    }

    /// How deep values may nest; a type that encodes itself as itself ends here instead of overflowing the stack.
    static let maximumDepth = 512
    @exclusivity(unchecked) private var depth = 0
    var isAtTop: Bool { depth == 1 }

    func write(_ text: StaticString) {
        text.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    func write(integer: some BinaryInteger) {
        bytes.append(contentsOf: String(integer).utf8)
    }

    func write(double: Double, float: Bool = false) throws {
        guard double.isFinite else { throw CompactJSONEncodingError(description: "\(double) is not a JSON number") }
        var text = float ? Float(double).description : double.description
        if text.hasSuffix(".0") { text.removeLast(2) }
        bytes.append(contentsOf: text.utf8)
    }

    func write(date: Date) throws {
        switch dateEncoding {
        case .secondsSinceReferenceDate: try write(double: date.timeIntervalSinceReferenceDate)
        case .iso8601: write(string: Self.iso8601(date))
        }
    }

    func write(string: String) {
        bytes.append(UInt8(ascii: "\""))
        let plain = string.utf8.allSatisfy { $0 >= 0x20 && $0 != UInt8(ascii: "\"") && $0 != UInt8(ascii: "\\") && $0 != UInt8(ascii: "/") }
        if plain {
            bytes.append(contentsOf: string.utf8)
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\"")])
            case UInt8(ascii: "\\"): bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "\\")])
            case UInt8(ascii: "/") where escapesSlashes: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "/")])
            case 0x08: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "b")])
            case 0x0C: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "f")])
            case 0x0A: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "n")])
            case 0x0D: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "r")])
            case 0x09: bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "t")])
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes.append(contentsOf: [UInt8(ascii: "\\"), UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]])
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// `YYYY-MM-DDThh:mm:ssZ` in UTC, the seconds truncated.
    static func iso8601(_ date: Date) -> String {
        let seconds = Int(date.timeIntervalSince1970.rounded(.down))
        let (days, secondOfDay) = seconds.quotientAndRemainder(dividingBy: 86_400)
        let (day, second) = secondOfDay < 0 ? (days - 1, secondOfDay + 86_400) : (days, secondOfDay)
        // Days since 1970-01-01 to a civil date (Howard Hinnant's algorithm).
        let shifted = day + 719_468
        let era = (shifted >= 0 ? shifted : shifted - 146_096) / 146_097
        let dayOfEra = shifted - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1_460 + dayOfEra / 36_524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let monthIndex = (5 * dayOfYear + 2) / 153
        let dayOfMonth = dayOfYear - (153 * monthIndex + 2) / 5 + 1
        let month = monthIndex < 10 ? monthIndex + 3 : monthIndex - 9
        let year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0)
        func two(_ number: Int) -> String { number < 10 ? "0\(number)" : "\(number)" }
        let yearText = String(year)
        let paddedYear = String(repeating: "0", count: max(0, 4 - yearText.count)) + yearText
        return "\(paddedYear)-\(two(month))-\(two(dayOfMonth))T\(two(second / 3_600)):\(two(second % 3_600 / 60)):\(two(second % 60))Z"
    }
}

/// An `Encoder` whose one container writes straight into the sink; the container is closed by ``finish()``.
final class StreamingEncoder: Encoder {
    enum Container {
        case none, keyed, unkeyed, single
    }

    let sink: JSONSink
    /// The encoder of the enclosing value and the key of this one: the coding path, built only when asked for.
    let parent: StreamingEncoder?
    let key: (any CodingKey)?
    /// The type whose `encode(to:)` this encoder serves.
    let valueType: Any.Type
    var codingPath: [any CodingKey] { (parent?.codingPath ?? []) + (key.map { [$0] } ?? []) }
    var userInfo: [CodingUserInfoKey: Any] { [:] }
    @exclusivity(unchecked) private(set) var container = Container.none
    /// Whether the open container has an element yet (for the commas).
    @exclusivity(unchecked) var hasElements = false
    /// A nested container still open: it is closed before this one writes again.
    @exclusivity(unchecked) var openChild: StreamingEncoder?
    /// Set once the container is closed: a later write would land in another value's place.
    @exclusivity(unchecked) private var closed = false

    init(sink: JSONSink, parent: StreamingEncoder?, key: (any CodingKey)?, valueType: Any.Type) {
        self.sink = sink
        self.parent = parent
        self.key = key
        self.valueType = valueType
    }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        open(.keyed)
        return KeyedEncodingContainer(StreamingKeyedContainer<Key>(encoder: self))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        open(.unkeyed)
        return StreamingUnkeyedContainer(encoder: self)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        open(.single)
        return StreamingSingleValueContainer(encoder: self)
    }

    private func open(_ kind: Container) {
        guard !closed else { return sink.fail("a container opened after its value was written, at \(codingPath.map(\.stringValue))") }
        switch (container, kind) {
        case (.none, .keyed): sink.write("{")
        case (.none, .unkeyed): sink.write("[")
        case (.none, .single): break
        case (.keyed, .keyed), (.unkeyed, .unkeyed), (.single, .single): return
        default:
            sink.fail("a second container of another kind at \(codingPath.map(\.stringValue))")
            return
        }
        container = kind
    }

    /// Before an element: closes an open nested container and writes the comma.
    func nextElement() {
        if closed { sink.fail("a container written after its value was written, at \(codingPath.map(\.stringValue))") }
        openChild?.finish()
        openChild = nil
        if hasElements { sink.write(",") }
        hasElements = true
    }

    /// Closes the container; a value that encoded nothing is written as `{}`, as `JSONEncoder` does.
    func finish() {
        openChild?.finish()
        openChild = nil
        switch container {
        case .none:
            // As JSONEncoder: nothing at the top is an error; a nested value that wrote nothing is `{}`.
            if sink.isAtTop { sink.fail("the top-level value did not encode any values") }
            sink.write("{}")
        case .keyed: sink.write("}")
        case .unkeyed: sink.write("]")
        case .single: if !hasElements { sink.fail("a single value container with no value at \(codingPath.map(\.stringValue))") }
        }
        container = .single
        hasElements = true
        closed = true
    }

    func nested(_ key: (any CodingKey)?) -> StreamingEncoder {
        let child = StreamingEncoder(sink: sink, parent: self, key: key, valueType: Void.self)
        openChild = child
        return child
    }

    func writeKey(_ key: some CodingKey) {
        nextElement()
        sink.write(string: key.stringValue)
        sink.write(":")
    }
}

struct StreamingKeyedContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: StreamingEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    mutating func encodeNil(forKey key: Key) throws {
        encoder.writeKey(key)
        encoder.sink.write("null")
    }

    mutating func encode(_ value: Bool, forKey key: Key) throws {
        encoder.writeKey(key)
        encoder.sink.write(value ? "true" : "false")
    }

    mutating func encode(_ value: String, forKey key: Key) throws {
        encoder.writeKey(key)
        encoder.sink.write(string: value)
    }

    mutating func encode(_ value: Int, forKey key: Key) throws {
        encoder.writeKey(key)
        encoder.sink.write(integer: value)
    }

    mutating func encode(_ value: Double, forKey key: Key) throws {
        encoder.writeKey(key)
        try encoder.sink.write(double: value)
    }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        encoder.writeKey(key)
        try encoder.sink.encode(value, parent: encoder, key: key)
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
        encoder.writeKey(key)
        return encoder.nested(key).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        encoder.writeKey(key)
        return encoder.nested(key).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        encoder.sink.fail("superEncoder is left to JSONEncoder")
        return encoder.nested(nil)
    }

    mutating func superEncoder(forKey key: Key) -> any Encoder {
        encoder.sink.fail("superEncoder is left to JSONEncoder")
        return encoder.nested(key)
    }
}

struct StreamingUnkeyedContainer: UnkeyedEncodingContainer {
    let encoder: StreamingEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }
    private(set) var count = 0

    init(encoder: StreamingEncoder) { self.encoder = encoder }

    mutating func encodeNil() throws {
        element()
        encoder.sink.write("null")
    }

    mutating func encode(_ value: String) throws {
        element()
        encoder.sink.write(string: value)
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        element()
        try encoder.sink.encode(value, parent: encoder, key: IndexKey(count - 1))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
        element()
        return encoder.nested(IndexKey(count - 1)).container(keyedBy: keyType)
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        element()
        return encoder.nested(IndexKey(count - 1)).unkeyedContainer()
    }

    mutating func superEncoder() -> any Encoder {
        encoder.sink.fail("superEncoder is left to JSONEncoder")
        return encoder.nested(nil)
    }

    private mutating func element() {
        encoder.nextElement()
        count += 1
    }
}

struct StreamingSingleValueContainer: SingleValueEncodingContainer {
    let encoder: StreamingEncoder
    var codingPath: [any CodingKey] { encoder.codingPath }

    private func once() -> Bool {
        guard !encoder.hasElements else {
            encoder.sink.fail("a second value in a single value container at \(codingPath.map(\.stringValue))")
            return false
        }
        encoder.hasElements = true
        return true
    }

    mutating func encodeNil() throws {
        if once() { encoder.sink.write("null") }
    }

    mutating func encode(_ value: Bool) throws {
        if once() { encoder.sink.write(value ? "true" : "false") }
    }

    mutating func encode(_ value: String) throws {
        if once() { encoder.sink.write(string: value) }
    }

    mutating func encode(_ value: Int) throws {
        if once() { encoder.sink.write(integer: value) }
    }

    mutating func encode(_ value: Double) throws {
        if once() { try encoder.sink.write(double: value) }
    }

    mutating func encode<T: Encodable>(_ value: T) throws {
        guard once() else { return }
        if T.self == encoder.valueType {
            try encoder.sink.encodeLeaf(value)
        } else {
            try encoder.sink.encode(value, parent: encoder.parent, key: encoder.key)
        }
    }
}

/// An array element's position as a coding key.
private struct IndexKey: CodingKey {
    let intValue: Int?
    var stringValue: String { "Index \(intValue ?? 0)" }
    init(_ index: Int) { intValue = index }
    init?(stringValue: String) { nil }
    init?(intValue: Int) { self.intValue = intValue }
}
