/// One reason an action cannot be saved (ARCHITECTURE §2). Codes are part of the API contract.
public struct ValidationProblem: Sendable, Hashable, Codable {
    public enum Code: String, Sendable, Hashable, Codable {
        case requiredMappingMissing = "required_mapping_missing"
        case fieldNotMappable = "field_not_mappable"
        case unknownCRMField = "unknown_crm_field"
        case unknownAgentField = "unknown_agent_field"
        case duplicateCRMField = "duplicate_crm_field"
        case accountNotFound = "account_not_found"
        case templateCRMMismatch = "template_crm_mismatch"
        case unknownTemplate = "unknown_template"
        case nameRequired = "name_required"
        case intentRequired = "intent_required"
        /// A way of logging the conversation the template's CRM does not have.
        case logAsNotForCRM = "log_as_not_for_crm"
    }

    public var code: Code
    public var message: String
    public var crmField: String?
    public var agentField: String?
    /// For `field_not_mappable`: why.
    public var reason: NotMappableReason?

    public init(
        code: Code, message: String, crmField: String? = nil, agentField: String? = nil,
        reason: NotMappableReason? = nil
    ) {
        self.code = code
        self.message = message
        self.crmField = crmField
        self.agentField = agentField
        self.reason = reason
    }
}
