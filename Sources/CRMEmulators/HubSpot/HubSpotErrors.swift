import Foundation

/// HubSpot's error bodies.
enum HubSpotError {
    static func body(_ category: String, _ message: String, extra: [String: JSON] = [:]) -> JSON {
        var object: [String: JSON] = [
            "status": "error", "message": .string(message), "correlationId": .string(UUID().uuidString.lowercased()),
            "category": .string(category),
        ]
        object.merge(extra) { _, new in new }
        return .object(object)
    }

    static func notFound() -> Reply {
        Reply(.notFound, body("OBJECT_NOT_FOUND", "resource not found"))
    }

    static func validation(_ message: String) -> Reply {
        Reply(.badRequest, body("VALIDATION_ERROR", message))
    }

    /// The classic 409 body, or the extended one with `identityProfile`.
    static func conflict(existingId: String, extended: Bool) -> Reply {
        let message = "Contact already exists. Existing ID: \(existingId)"
        guard extended else { return Reply(.conflict, body("CONFLICT", message)) }
        return Reply(
            .conflict,
            body("OBJECT_ALREADY_EXISTS", message, extra: [
                "error": "CONTACT_EXISTS",
                "identityProfile": ["vid": .int(Int(existingId) ?? 0), "identity": [], "isDeleted": false, "isContact": true],
            ]))
    }

    /// A VALIDATION_ERROR for invalid property values, in both the string-embedded and structured forms.
    static func invalidProperties(_ problems: [PropertyProblem]) -> Reply {
        let embedded = JSON.array(problems.map {
            ["isValid": false, "message": .string($0.message), "error": .string($0.code), "name": .string($0.name),
             "localizedErrorMessage": .string($0.message)]
        })
        let text = String(decoding: embedded.encoded(), as: UTF8.self)
        return Reply(
            .badRequest,
            body("VALIDATION_ERROR", "Property values were not valid: \(text)", extra: [
                "errors": .array(problems.map {
                    ["message": .string($0.message), "code": .string($0.code), "context": ["propertyName": [.string($0.name)]]]
                })
            ]))
    }

    static func rateLimited(policy: String, message: String) -> JSON {
        [
            "status": "error", "message": .string(message), "errorType": "RATE_LIMIT",
            "correlationId": .string(UUID().uuidString.lowercased()), "policyName": .string(policy),
            "requestId": .string(UUID().uuidString.lowercased()),
        ]
    }
}

/// One invalid property value.
struct PropertyProblem: Sendable {
    let name: String
    let code: String
    let message: String
}
