import ContactSyncCore
import Foundation

/// HubSpot's JSON shapes, as far as contact-sync reads them.
enum HubSpotWire {
    struct Object: Decodable, Sendable {
        let id: String
        let properties: [String: String?]?
        let new: Bool?
        let objectWriteTraceId: String?
        let associations: [String: AssociationList]?

        func property(_ name: String) -> String? { properties?[name] ?? nil }
    }

    struct AssociationList: Decodable, Sendable {
        let results: [AssociatedId]
    }

    struct AssociatedId: Decodable, Sendable {
        let id: String
    }

    /// A v4 batch read of associations: for each record asked about, a page of the records associated with
    /// it, with where its next page starts. Records with none, or not found, are left out of `results`.
    struct AssociationBatch: Decodable, Sendable {
        struct Result: Decodable, Sendable {
            struct From: Decodable, Sendable { let id: FlexibleId }
            struct To: Decodable, Sendable { let toObjectId: FlexibleId }
            struct Paging: Decodable, Sendable {
                struct Next: Decodable, Sendable { let after: String }
                let next: Next?
            }
            let from: From
            let to: [To]
            let paging: Paging?
        }
        let results: [Result]
    }

    /// An id HubSpot writes as a number in some answers and as a string in others.
    struct FlexibleId: Decodable, Sendable {
        let value: String

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let number = try? container.decode(Int64.self) { value = String(number) } else { value = try container.decode(String.self) }
        }
    }

    struct BatchResponse: Decodable, Sendable {
        let results: [Object]
        let errors: [BatchError]?
    }

    /// A batch write's answer, as far as the write needs it: each record's id and trace id, and the errors of
    /// single inputs. The records' properties only echo what was sent, and are left undecoded.
    struct WriteResponse: Decodable, Sendable {
        struct Written: Decodable, Sendable {
            let id: String
            let objectWriteTraceId: String?
        }
        let results: [Written]
        let errors: [BatchError]?
    }

    struct BatchError: Decodable, Sendable {
        let status: String?
        let category: String?
        let message: String?
        let context: [String: [String]]?
    }

    struct ErrorBody: Decodable, Sendable {
        struct Detail: Decodable, Sendable {
            let message: String?
            let code: String?
        }
        struct IdentityProfile: Decodable, Sendable {
            let vid: Int?
        }
        let message: String?
        let category: String?
        let policyName: String?
        let errors: [Detail]?
        let identityProfile: IdentityProfile?
        let error: String?
        let status: String?
    }

    struct Property: Decodable, Sendable {
        struct Option: Decodable, Sendable {
            let value: String
            let hidden: Bool?
        }
        struct Modification: Decodable, Sendable {
            let readOnlyValue: Bool?
        }
        let name: String
        let label: String?
        let type: String
        let fieldType: String?
        let options: [Option]?
        let calculated: Bool?
        let hubspotDefined: Bool?
        let externalOptions: Bool?
        let modificationMetadata: Modification?
    }

    struct PropertyList: Decodable, Sendable {
        let results: [Property]
    }

    struct AccountDetails: Decodable, Sendable {
        let portalId: Int
    }

    struct TokenInfo: Decodable, Sendable {
        let hub_id: Int?
        let app_id: Int?
        let user_id: Int?
    }

    struct TokenGrant: Decodable, Sendable {
        let access_token: String
        let refresh_token: String?
        let expires_in: Int?
        let hub_id: Int?
    }

    struct OAuthError: Decodable, Sendable {
        let error: String?
        let error_description: String?
        let status: String?
        let message: String?
    }

    /// The id in a 409 answer: `Existing ID: N` in the message or in `errors[]`, else `identityProfile.vid`.
    static func existingId(in body: ErrorBody) -> String? {
        let messages = [body.message] + (body.errors ?? []).map(\.message)
        for case let message? in messages {
            if let range = message.range(of: "Existing ID:") {
                let digits = message[range.upperBound...].drop { $0 == " " }.prefix { $0.isNumber }
                if !digits.isEmpty { return String(digits) }
            }
        }
        return body.identityProfile?.vid.map(String.init)
    }

    /// The CRM code of a validation error: the structured `errors[].code`, else the `"error"` inside the
    /// string-embedded array, else the category.
    static func crmCode(in body: ErrorBody) -> String? {
        if let code = body.errors?.compactMap(\.code).first { return code }
        if let message = body.message, let range = message.range(of: "\"error\":\"") {
            let code = message[range.upperBound...].prefix { $0 != "\"" }
            if !code.isEmpty { return String(code) }
        }
        return body.category
    }
}

/// Encodes request bodies.
enum JSONBody {
    static func encode(_ value: some Encodable) -> Data {
        (try? CompactJSONEncoder().encodeOrFallBack(value)) ?? Data("{}".utf8)
    }
}
