import Foundation
import MCP

/// Encodes an `Encodable` straight into an MCP `Value`, without a JSON round trip. Dates become ISO 8601
/// strings and URLs their absolute strings, as the API's JSON encoder writes them.
struct ValueEncoder {
    func encode(_ value: some Encodable) throws -> Value {
        let root = Node()
        try root.store(value, codingPath: [])
        return root.value
    }

    /// A value being built: a scalar, an object or an array.
    final class Node {
        var scalar: Value = .null
        var members: [String: Node]?
        var elements: [Node]?

        var value: Value {
            if let members { return .object(members.mapValues(\.value)) }
            if let elements { return .array(elements.map(\.value)) }
            return scalar
        }

        func store(_ value: some Encodable, codingPath: [any CodingKey]) throws {
            switch value {
            case let date as Date: scalar = .string(date.formatted(.iso8601))
            case let url as URL: scalar = .string(url.absoluteString)
            default: try value.encode(to: NodeEncoder(node: self, codingPath: codingPath))
            }
        }

        func member(_ key: String) -> Node {
            if members == nil { members = [:] }
            let child = Node()
            members?[key] = child
            return child
        }

        func element() -> Node {
            if elements == nil { elements = [] }
            let child = Node()
            elements?.append(child)
            return child
        }
    }

    struct NodeEncoder: Encoder {
        let node: Node
        let codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            if node.members == nil { node.members = [:] }
            return KeyedEncodingContainer(Keyed(node: node, codingPath: codingPath))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            if node.elements == nil { node.elements = [] }
            return Unkeyed(node: node, codingPath: codingPath)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { Single(node: node, codingPath: codingPath) }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let node: Node
        let codingPath: [any CodingKey]

        mutating func encodeNil(forKey key: Key) throws { node.member(key.stringValue).scalar = .null }
        mutating func encode(_ value: some Encodable, forKey key: Key) throws {
            try node.member(key.stringValue).store(value, codingPath: codingPath + [key])
        }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            NodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            NodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]).unkeyedContainer()
        }
        mutating func superEncoder() -> any Encoder { NodeEncoder(node: node.member("super"), codingPath: codingPath) }
        mutating func superEncoder(forKey key: Key) -> any Encoder { NodeEncoder(node: node.member(key.stringValue), codingPath: codingPath + [key]) }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let node: Node
        let codingPath: [any CodingKey]
        var count: Int { node.elements?.count ?? 0 }

        mutating func encodeNil() throws { node.element().scalar = .null }
        mutating func encode(_ value: some Encodable) throws { try node.element().store(value, codingPath: codingPath) }
        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            NodeEncoder(node: node.element(), codingPath: codingPath).container(keyedBy: keyType)
        }
        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            NodeEncoder(node: node.element(), codingPath: codingPath).unkeyedContainer()
        }
        mutating func superEncoder() -> any Encoder { NodeEncoder(node: node.element(), codingPath: codingPath) }
    }

    struct Single: SingleValueEncodingContainer {
        let node: Node
        let codingPath: [any CodingKey]

        mutating func encodeNil() throws { node.scalar = .null }
        mutating func encode(_ value: Bool) throws { node.scalar = .bool(value) }
        mutating func encode(_ value: String) throws { node.scalar = .string(value) }
        mutating func encode(_ value: Double) throws { node.scalar = .double(value) }
        mutating func encode(_ value: Float) throws { node.scalar = .double(Double(value)) }
        mutating func encode(_ value: Int) throws { node.scalar = .int(value) }
        mutating func encode(_ value: Int8) throws { node.scalar = .int(Int(value)) }
        mutating func encode(_ value: Int16) throws { node.scalar = .int(Int(value)) }
        mutating func encode(_ value: Int32) throws { node.scalar = .int(Int(value)) }
        mutating func encode(_ value: Int64) throws { node.scalar = .int(Int(value)) }
        mutating func encode(_ value: UInt) throws { node.scalar = .int(Int(clamping: value)) }
        mutating func encode(_ value: UInt8) throws { node.scalar = .int(Int(value)) }
        mutating func encode(_ value: UInt16) throws { node.scalar = .int(Int(value)) }
        mutating func encode(_ value: UInt32) throws { node.scalar = .int(Int(value)) }
        mutating func encode(_ value: UInt64) throws { node.scalar = .int(Int(clamping: value)) }
        mutating func encode(_ value: some Encodable) throws { try node.store(value, codingPath: codingPath) }
    }
}
