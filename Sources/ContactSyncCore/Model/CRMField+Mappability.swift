/// Why a CRM field cannot be mapped.
public enum NotMappableReason: String, Sendable, Hashable, Codable {
    case unsupportedType = "unsupported_type"
    case readOnly = "read_only"
    case calculated
}

extension CRMField {
    /// Salesforce types contact-sync can write (ARCHITECTURE §2).
    static let salesforceWritableTypes: Set<String> = ["string", "email", "phone", "textarea", "url", "picklist"]
    /// HubSpot `fieldType`s of `type: string` properties that hold text.
    static let hubspotTextFieldTypes: Set<String> = ["text", "textarea", "html", "phonenumber"]

    /// Whether the field may be mapped in an action of `crm`, and if not, why.
    /// Returns nil when the field is mappable.
    public func notMappableReason(in crm: CRM) -> NotMappableReason? {
        let typeSupported: Bool
        switch crm {
        case .salesforce:
            typeSupported = Self.salesforceWritableTypes.contains(type)
        case .hubspot:
            typeSupported = (type == "string" && Self.hubspotTextFieldTypes.contains(fieldType ?? ""))
                || type == "phone_number"
        }
        if !typeSupported { return .unsupportedType }
        if calculated { return .calculated }
        if !(createable && updateable) { return .readOnly }
        return nil
    }

    /// Whether the field may be mapped in an action of `crm`.
    public func isMappable(in crm: CRM) -> Bool { notMappableReason(in: crm) == nil }

    /// How values for this field are checked before they are sent (ARCHITECTURE §3, step 6).
    var valueKind: ValueKind {
        switch type {
        case "email": .email
        case "url": .url
        case "picklist": .picklist
        default: .text
        }
    }
}

/// The checks a value gets before it is written to a field.
enum ValueKind {
    case text, email, url, picklist
}
