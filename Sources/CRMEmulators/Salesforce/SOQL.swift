import Foundation

/// The SOQL subset the emulator answers: `SELECT fields | COUNT() FROM Contact [WHERE …] [ORDER BY …]
/// [LIMIT n] [OFFSET n]`, with `=`, `!=`, `<`, `>`, `<=`, `>=`, `[NOT] IN (…)`, `LIKE`, `AND`, `OR`, `NOT`,
/// parentheses, and string literals escaped exactly as Salesforce documents.
struct SOQLQuery: Sendable {
    var fields: [String]
    var isCount: Bool
    var object: String
    var condition: SOQLCondition?
    var ordering: [(field: String, ascending: Bool, nullsFirst: Bool)]
    var limit: Int?
    var offset: Int?
}

indirect enum SOQLCondition: Sendable {
    case and(SOQLCondition, SOQLCondition)
    case or(SOQLCondition, SOQLCondition)
    case not(SOQLCondition)
    case compare(field: String, op: String, value: SOQLValue)
    case inList(field: String, values: [SOQLValue], negated: Bool)
    case like(field: String, pattern: String)
}

enum SOQLValue: Sendable, Equatable {
    case string(String)
    case number(Double)
    case bool(Bool)
    case null
}

/// A query Salesforce would refuse, with its error code.
struct SOQLError: Error, Sendable {
    let code: String
    let message: String

    static func malformed(_ message: String) -> SOQLError { SOQLError(code: "MALFORMED_QUERY", message: message) }
}

enum SOQLToken: Sendable, Equatable {
    case word(String)
    case string(String)
    case number(Double)
    case symbol(String)
}

enum SOQLParser {
    static func parse(_ text: String) throws(SOQLError) -> SOQLQuery {
        var parser = Cursor(tokens: try tokenize(text))
        return try parser.query()
    }

    // MARK: Lexing

    static func tokenize(_ text: String) throws(SOQLError) -> [SOQLToken] {
        var tokens: [SOQLToken] = []
        let characters = Array(text)
        var index = 0
        while index < characters.count {
            let character = characters[index]
            if character.isSOQLSpace {
                index += 1
            } else if character == "'" {
                let (literal, next) = try stringLiteral(characters, from: index + 1)
                tokens.append(.string(literal))
                index = next
            } else if character == "\"" {
                throw .malformed("unexpected token: '\"'. String literals must use single quotes.")
            } else if character.isSOQLLetter || character == "_" {
                var end = index
                while end < characters.count, characters[end].isSOQLLetter || characters[end].isSOQLDigit || characters[end] == "_" || characters[end] == "." {
                    end += 1
                }
                tokens.append(.word(String(characters[index..<end])))
                index = end
            } else if character.isSOQLDigit || (character == "-" && index + 1 < characters.count && characters[index + 1].isSOQLDigit) {
                var end = index + 1
                while end < characters.count, characters[end].isSOQLDigit || characters[end] == "." { end += 1 }
                guard let number = Double(String(characters[index..<end])) else {
                    throw .malformed("unexpected token: '\(String(characters[index..<end]))'")
                }
                tokens.append(.number(number))
                index = end
            } else if "(),".contains(character) {
                tokens.append(.symbol(String(character)))
                index += 1
            } else if "=!<>".contains(character) {
                var symbol = String(character)
                if index + 1 < characters.count, characters[index + 1] == "=" || (character == "<" && characters[index + 1] == ">") {
                    symbol.append(characters[index + 1])
                }
                guard ["=", "!=", "<", ">", "<=", ">=", "<>"].contains(symbol) else { throw .malformed("unexpected token: '\(symbol)'") }
                tokens.append(.symbol(symbol == "<>" ? "!=" : symbol))
                index += symbol.count
            } else {
                throw .malformed("unexpected token: '\(character)'")
            }
        }
        return tokens
    }

    /// A single-quoted literal starting after its opening quote. `\%` and `\_` are kept escaped
    /// (they only mean something to LIKE); any other unknown escape is an error.
    private static func stringLiteral(_ characters: [Character], from start: Int) throws(SOQLError) -> (String, Int) {
        var result = ""
        var index = start
        while index < characters.count {
            let character = characters[index]
            if character == "'" { return (result, index + 1) }
            if character == "\\" {
                guard index + 1 < characters.count else { break }
                let escaped = characters[index + 1]
                switch escaped {
                case "n", "N": result.append("\n")
                case "r", "R": result.append("\r")
                case "t", "T": result.append("\t")
                case "b", "B": result.append("\u{8}")
                case "f", "F": result.append("\u{c}")
                case "\"": result.append("\"")
                case "'": result.append("'")
                case "\\": result.append("\\")
                case "%": result.append(SOQLParser.escapedPercent)
                case "_": result.append(SOQLParser.escapedUnderscore)
                case "u":
                    let hex = String(characters[min(index + 2, characters.count)..<min(index + 6, characters.count)])
                    guard hex.count == 4, let scalar = UInt32(hex, radix: 16).flatMap(Unicode.Scalar.init) else {
                        throw .malformed("Invalid unicode escape in string literal")
                    }
                    result.unicodeScalars.append(scalar)
                    index += 4
                default:
                    throw .malformed("Illegal character sequence '\\\(escaped)' in string literal.")
                }
                index += 2
                continue
            }
            result.append(character)
            index += 1
        }
        throw .malformed("unexpected end of query: unterminated string literal")
    }

    // MARK: Parsing

    struct Cursor {
        let tokens: [SOQLToken]
        var position = 0

        var current: SOQLToken? { position < tokens.count ? tokens[position] : nil }

        mutating func keyword(_ word: String) -> Bool {
            if case .word(let found)? = current, found.uppercased() == word {
                position += 1
                return true
            }
            return false
        }

        mutating func expect(_ word: String) throws(SOQLError) {
            guard keyword(word) else { throw .malformed("unexpected token: '\(describe(current))', expected \(word)") }
        }

        mutating func symbol(_ symbol: String) -> Bool {
            if case .symbol(let found)? = current, found == symbol {
                position += 1
                return true
            }
            return false
        }

        mutating func identifier() throws(SOQLError) -> String {
            guard case .word(let word)? = current else { throw .malformed("unexpected token: '\(describe(current))'") }
            position += 1
            return word
        }

        mutating func query() throws(SOQLError) -> SOQLQuery {
            try expect("SELECT")
            var fields: [String] = []
            var isCount = false
            if case .word(let word)? = current, word.uppercased() == "COUNT", position + 2 < tokens.count,
                tokens[position + 1] == .symbol("("), tokens[position + 2] == .symbol(")")
            {
                position += 3
                isCount = true
            } else {
                repeat { fields.append(try identifier()) } while symbol(",")
            }
            try expect("FROM")
            let object = try identifier()
            var condition: SOQLCondition?
            if keyword("WHERE") { condition = try disjunction() }
            var ordering: [(String, Bool, Bool)] = []
            if keyword("ORDER") {
                try expect("BY")
                repeat {
                    let field = try identifier()
                    var ascending = true
                    if keyword("DESC") { ascending = false } else { _ = keyword("ASC") }
                    var nullsFirst = ascending
                    if keyword("NULLS") {
                        if keyword("LAST") { nullsFirst = false } else { try expect("FIRST"); nullsFirst = true }
                    }
                    ordering.append((field, ascending, nullsFirst))
                } while symbol(",")
            }
            var limit: Int?
            var offset: Int?
            if keyword("LIMIT") { limit = try integer() }
            if keyword("OFFSET") { offset = try integer() }
            guard current == nil else { throw .malformed("unexpected token: '\(describe(current))'") }
            return SOQLQuery(fields: fields, isCount: isCount, object: object, condition: condition, ordering: ordering, limit: limit, offset: offset)
        }

        mutating func integer() throws(SOQLError) -> Int {
            guard case .number(let value)? = current, value >= 0, value.rounded() == value else {
                throw .malformed("unexpected token: '\(describe(current))', expected a whole number")
            }
            position += 1
            return Int(value)
        }

        mutating func disjunction() throws(SOQLError) -> SOQLCondition {
            var left = try conjunction()
            while keyword("OR") { left = .or(left, try conjunction()) }
            return left
        }

        mutating func conjunction() throws(SOQLError) -> SOQLCondition {
            var left = try factor()
            while keyword("AND") { left = .and(left, try factor()) }
            return left
        }

        mutating func factor() throws(SOQLError) -> SOQLCondition {
            if keyword("NOT") { return .not(try factor()) }
            if symbol("(") {
                let inner = try disjunction()
                guard symbol(")") else { throw .malformed("unexpected token: '\(describe(current))', expected )") }
                return inner
            }
            let field = try identifier()
            if keyword("LIKE") {
                guard case .string(let pattern)? = current else { throw .malformed("LIKE needs a string literal") }
                position += 1
                return .like(field: field, pattern: pattern)
            }
            let negated = keyword("NOT")
            if keyword("IN") {
                guard symbol("(") else { throw .malformed("unexpected token: '\(describe(current))', expected (") }
                var values: [SOQLValue] = []
                repeat { values.append(try value()) } while symbol(",")
                guard symbol(")") else { throw .malformed("unexpected token: '\(describe(current))', expected )") }
                return .inList(field: field, values: values, negated: negated)
            }
            if negated { throw .malformed("unexpected token: 'NOT'") }
            guard case .symbol(let op)? = current, ["=", "!=", "<", ">", "<=", ">="].contains(op) else {
                throw .malformed("unexpected token: '\(describe(current))'")
            }
            position += 1
            return .compare(field: field, op: op, value: try value())
        }

        mutating func value() throws(SOQLError) -> SOQLValue {
            defer { position += 1 }
            switch current {
            case .string(let text)?:
                if text.contains(SOQLParser.escapedPercent) || text.contains(SOQLParser.escapedUnderscore) {
                    throw .malformed("Illegal character sequence in string literal: \\% and \\_ are only valid in LIKE.")
                }
                return .string(text)
            case .number(let number)?:
                return .number(number)
            case .word(let word)? where ["TRUE", "FALSE"].contains(word.uppercased()):
                return .bool(word.uppercased() == "TRUE")
            case .word(let word)? where word.uppercased() == "NULL":
                return .null
            default:
                throw .malformed("unexpected token: '\(describe(current))'")
            }
        }

        func describe(_ token: SOQLToken?) -> String {
            switch token {
            case .word(let word)?: word
            case .string(let text)?: "'\(text)'"
            case .number(let number)?: String(number)
            case .symbol(let symbol)?: symbol
            case nil: "<end of query>"
            }
        }
    }

    /// `\%` and `\_` in a literal: a literal percent sign or underscore in a LIKE pattern.
    static let escapedPercent: Character = "\u{E000}"
    static let escapedUnderscore: Character = "\u{E001}"
}

extension Character {
    /// `isWhitespace`, answered from the byte for ASCII (the common case).
    fileprivate var isSOQLSpace: Bool {
        guard let byte = asciiValue else { return isWhitespace }
        return byte == 0x20 || (0x09...0x0D).contains(byte)
    }

    /// `isLetter`, answered from the byte for ASCII.
    fileprivate var isSOQLLetter: Bool {
        guard let byte = asciiValue else { return isLetter }
        return (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
    }

    /// `isNumber`, answered from the byte for ASCII.
    fileprivate var isSOQLDigit: Bool {
        guard let byte = asciiValue else { return isNumber }
        return (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
    }
}
