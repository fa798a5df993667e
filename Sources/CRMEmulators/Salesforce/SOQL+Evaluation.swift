import Foundation

extension SOQLQuery {
    /// Checks the object and every field against the schema; returns the query with canonical field names.
    func resolved(against schema: [String: SalesforceField], object entity: String = "Contact") throws(SOQLError) -> SOQLQuery {
        guard ["contact", "task"].contains(object.lowercased()) else {
            throw SOQLError(code: "INVALID_TYPE", message: "sObject type '\(object)' is not supported.")
        }
        func canonical(_ name: String, filtering: Bool) throws(SOQLError) -> String {
            guard let field = schema[name.lowercased()] else {
                throw SOQLError(
                    code: "INVALID_FIELD",
                    message: "No such column '\(name)' on entity '\(entity)'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.")
            }
            if filtering && !field.filterable {
                throw SOQLError(code: "INVALID_FIELD", message: "field '\(field.name)' can not be filtered in query call")
            }
            return field.name
        }
        func resolve(_ condition: SOQLCondition) throws(SOQLError) -> SOQLCondition {
            switch condition {
            case .and(let a, let b): return .and(try resolve(a), try resolve(b))
            case .or(let a, let b): return .or(try resolve(a), try resolve(b))
            case .not(let a): return .not(try resolve(a))
            case .compare(let field, let op, let value): return .compare(field: try canonical(field, filtering: true), op: op, value: value)
            case .inList(let field, let values, let negated):
                return .inList(field: try canonical(field, filtering: true), values: values, negated: negated)
            case .like(let field, let pattern): return .like(field: try canonical(field, filtering: true), pattern: pattern)
            }
        }
        var copy = self
        var names: [String] = []
        for field in fields { names.append(try canonical(field, filtering: false)) }
        copy.fields = names
        if let condition { copy.condition = try resolve(condition) }
        var ordering: [(field: String, ascending: Bool, nullsFirst: Bool)] = []
        for order in self.ordering {
            ordering.append((try canonical(order.field, filtering: true), order.ascending, order.nullsFirst))
        }
        copy.ordering = ordering
        return copy
    }

    /// The matching records, ordered, offset and limited.
    func select(from records: [SalesforceRecord]) -> [SalesforceRecord] {
        var matching = records.filter { record in condition.map { Self.evaluate($0, record) } ?? true }
        if !ordering.isEmpty {
            matching.sort { a, b in
                for order in ordering {
                    let left = a.fields[order.field] ?? .null
                    let right = b.fields[order.field] ?? .null
                    if left == right { continue }
                    if left.isNull { return order.nullsFirst }
                    if right.isNull { return !order.nullsFirst }
                    let ascending = Self.less(left, right)
                    return order.ascending ? ascending : !ascending
                }
                return false
            }
        }
        let offsetRecords = matching.dropFirst(offset ?? 0)
        return Array(limit.map { offsetRecords.prefix($0) } ?? offsetRecords[...])
    }

    static func evaluate(_ condition: SOQLCondition, _ record: SalesforceRecord) -> Bool {
        switch condition {
        case .and(let a, let b): return evaluate(a, record) && evaluate(b, record)
        case .or(let a, let b): return evaluate(a, record) || evaluate(b, record)
        case .not(let a): return !evaluate(a, record)
        case .compare(let field, let op, let value):
            let actual = record.fields[field] ?? .null
            switch op {
            case "=": return equal(actual, value)
            case "!=": return !equal(actual, value)
            default:
                guard !actual.isNull, value != .null else { return false }
                let ordering = compare(actual, value)
                switch op {
                case "<": return ordering < 0
                case ">": return ordering > 0
                case "<=": return ordering <= 0
                default: return ordering >= 0
                }
            }
        case .inList(let field, let values, let negated):
            let actual = record.fields[field] ?? .null
            let found = values.contains { equal(actual, $0) }
            return negated ? !found : found
        case .like(let field, let pattern):
            guard let text = record.fields[field]?.string else { return false }
            return like(Array(text.lowercased()), Array(pattern.lowercased()))
        }
    }

    private static func equal(_ actual: JSON, _ value: SOQLValue) -> Bool {
        switch (actual, value) {
        case (.null, .null): true
        case (.string(let a), .string(let b)): a.lowercased() == b.lowercased()
        case (.bool(let a), .bool(let b)): a == b
        case (.int(let a), .number(let b)): Double(a) == b
        case (.double(let a), .number(let b)): a == b
        default: false
        }
    }

    private static func compare(_ actual: JSON, _ value: SOQLValue) -> Int {
        switch (actual, value) {
        case (.string(let a), .string(let b)): a.lowercased() < b.lowercased() ? -1 : (a.lowercased() == b.lowercased() ? 0 : 1)
        case (.int(let a), .number(let b)): Double(a) < b ? -1 : (Double(a) == b ? 0 : 1)
        case (.double(let a), .number(let b)): a < b ? -1 : (a == b ? 0 : 1)
        default: 0
        }
    }

    private static func less(_ a: JSON, _ b: JSON) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): x.lowercased() < y.lowercased()
        case (.int(let x), .int(let y)): x < y
        case (.double(let x), .double(let y)): x < y
        case (.bool(let x), .bool(let y)): !x && y
        default: false
        }
    }

    /// LIKE matching: `%` any run, `_` one character; escaped ones are literal.
    private static func like(_ text: [Character], _ pattern: [Character]) -> Bool {
        var memo: [Int: Bool] = [:]
        func match(_ t: Int, _ p: Int) -> Bool {
            let key = t * (pattern.count + 1) + p
            if let known = memo[key] { return known }
            let result: Bool
            if p == pattern.count {
                result = t == text.count
            } else {
                switch pattern[p] {
                case "%": result = match(t, p + 1) || (t < text.count && match(t + 1, p))
                case "_": result = t < text.count && match(t + 1, p + 1)
                case SOQLParser.escapedPercent: result = t < text.count && text[t] == "%" && match(t + 1, p + 1)
                case SOQLParser.escapedUnderscore: result = t < text.count && text[t] == "_" && match(t + 1, p + 1)
                default: result = t < text.count && text[t] == pattern[p] && match(t + 1, p + 1)
                }
            }
            memo[key] = result
            return result
        }
        return match(0, 0)
    }
}
