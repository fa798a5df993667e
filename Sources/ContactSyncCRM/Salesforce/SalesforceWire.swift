import Foundation

/// Salesforce's JSON shapes, as far as contact-sync reads and writes them.
enum SalesforceWire {
    struct QueryResult: Decodable, Sendable {
        let totalSize: Int
        let records: [ContactRow]
    }

    struct ContactRow: Decodable, Sendable {
        let Id: String
        let Email: String?
        let CreatedDate: String?
        let CreatedById: String?
    }

    /// A query for ids only.
    struct IdResult: Decodable, Sendable {
        struct Row: Decodable, Sendable { let Id: String }
        let records: [Row]
    }

    /// `GET /search` (SOSL): the records found, of every type the search returned.
    struct SearchResult: Decodable, Sendable {
        let searchRecords: [SearchRow]
    }

    struct SearchRow: Decodable, Sendable {
        let Id: String
        let CreatedDate: String?
        let CreatedById: String?
        let Phone: String?
        let MobilePhone: String?
    }

    struct SaveResult: Decodable, Sendable {
        let id: String?
        let success: Bool
        let errors: [RecordError]?
    }

    struct RecordError: Decodable, Sendable {
        let statusCode: String?
        let message: String?
        let fields: [String]?
    }

    struct ErrorItem: Decodable, Sendable {
        let message: String?
        let errorCode: String?
        let fields: [String]?
    }

    struct Describe: Decodable, Sendable {
        let fields: [Field]
    }

    struct Field: Decodable, Sendable {
        struct PicklistValue: Decodable, Sendable {
            let value: String
            let active: Bool?
        }
        let name: String
        let label: String?
        let type: String
        let length: Int?
        let createable: Bool?
        let updateable: Bool?
        let nillable: Bool?
        let defaultedOnCreate: Bool?
        let calculated: Bool?
        let custom: Bool?
        let restrictedPicklist: Bool?
        let picklistValues: [PicklistValue]?
    }

    struct UserInfo: Decodable, Sendable {
        let user_id: String
        let organization_id: String
    }

    struct TokenGrant: Decodable, Sendable {
        let access_token: String
        let refresh_token: String?
        let instance_url: String?
        let id: String?
    }

    struct OAuthError: Decodable, Sendable {
        let error: String?
        let error_description: String?
    }

    /// Salesforce's `2026-03-12T07:33:46.000+0000`.
    static func date(_ text: String?) -> Date? {
        guard var text else { return nil }
        if text.hasSuffix("+0000") { text = String(text.dropLast(5)) + "Z" }
        return (try? Date(text, strategy: Date.ISO8601FormatStyle(includingFractionalSeconds: true)))
            ?? (try? Date(text, strategy: .iso8601))
    }
}

/// An sObject for a write: its fields, plus `attributes` and `id` in collections.
struct SObjectBody: Encodable {
    let fields: [String: String]
    var id: String?
    var typed = false
    /// The sObject type `typed` names.
    var type = "Contact"
    /// Number fields, written as JSON numbers.
    var integers: [String: Int] = [:]

    private struct Key: CodingKey {
        let stringValue: String
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        var intValue: Int? { nil }
        init?(intValue: Int) { nil }
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Key.self)
        if typed {
            var attributes = container.nestedContainer(keyedBy: Key.self, forKey: Key("attributes"))
            try attributes.encode(type, forKey: Key("type"))
        }
        if let id { try container.encode(id, forKey: Key("id")) }
        for (name, value) in fields { try container.encode(value, forKey: Key(name)) }
        for (name, value) in integers { try container.encode(value, forKey: Key(name)) }
    }
}

struct CollectionBody: Encodable {
    let allOrNone = false
    let records: [SObjectBody]
}
