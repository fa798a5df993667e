/// Checks an action before it is saved and lists every problem at once (ARCHITECTURE §2).
public enum ActionValidator {
    /// The account an action names, as far as validation needs it.
    public struct AccountFacts: Sendable {
        public var crm: CRM
        /// The account's live contact fields.
        public var fields: [CRMField]

        public init(crm: CRM, fields: [CRMField]) {
            self.crm = crm
            self.fields = fields
        }
    }

    /// Every problem with `action`; empty when it may be saved.
    /// - Parameters:
    ///   - account: the action's account, or nil when no such account exists.
    ///   - agentFields: the keys of the agent fields that exist.
    public static func problems(for action: Action, account: AccountFacts?, agentFields: Set<String>)
        -> [ValidationProblem]
    {
        var problems: [ValidationProblem] = []
        if action.name.isBlank {
            problems.append(ValidationProblem(code: .nameRequired, message: "The action needs a name."))
        }
        if action.intent.isBlank && !action.offlineSync {
            problems.append(
                ValidationProblem(
                    code: .intentRequired,
                    message: "An in-conversation action needs an intent: it tells the agent when to use it."))
        }
        let template = Template.named(action.template)
        if template == nil {
            problems.append(
                ValidationProblem(code: .unknownTemplate, message: "No template is named '\(action.template)'."))
        }
        if account == nil {
            problems.append(
                ValidationProblem(code: .accountNotFound, message: "No account has id '\(action.accountId)'."))
        }
        if let template, let logAs = action.logAs, !logAs.applies(to: template.crm) {
            let choices = ActivityLog.allCases.filter { $0.applies(to: template.crm) }.map(\.rawValue).joined(separator: " or ")
            problems.append(ValidationProblem(
                code: .logAsNotForCRM, message: "\(template.crm == .hubspot ? "HubSpot" : "Salesforce") logs a conversation as \(choices), not \(logAs.rawValue)."))
        }
        var crmMatches = true
        if let template, let account, template.crm != account.crm {
            crmMatches = false
            problems.append(
                ValidationProblem(
                    code: .templateCRMMismatch,
                    message: "The template writes to \(template.crm.rawValue) but the account is \(account.crm.rawValue)."))
        }
        let fields = Dictionary(account?.fields.map { ($0.name, $0) } ?? [], uniquingKeysWith: { a, _ in a })
        var seen: Set<String> = []
        for mapping in action.mappings {
            if !seen.insert(mapping.crmField).inserted {
                problems.append(
                    ValidationProblem(
                        code: .duplicateCRMField, message: "\(mapping.crmField) is mapped more than once.",
                        crmField: mapping.crmField))
            } else if let account, crmMatches {
                if let field = fields[mapping.crmField] {
                    if let reason = field.notMappableReason(in: account.crm) {
                        problems.append(
                            ValidationProblem(
                                code: .fieldNotMappable,
                                message: "\(mapping.crmField) cannot be mapped: \(reason.rawValue).",
                                crmField: mapping.crmField, reason: reason))
                    }
                } else {
                    problems.append(
                        ValidationProblem(
                            code: .unknownCRMField, message: "The account has no contact field \(mapping.crmField).",
                            crmField: mapping.crmField))
                }
            }
            if !agentFields.contains(mapping.agentField) {
                problems.append(
                    ValidationProblem(
                        code: .unknownAgentField, message: "No agent field is named '\(mapping.agentField)'.",
                        crmField: mapping.crmField, agentField: mapping.agentField))
            }
        }
        for required in template?.requiredMappings ?? [] where !seen.contains(required) {
            problems.append(
                ValidationProblem(
                    code: .requiredMappingMissing,
                    message: "\(required) must be mapped. The action will not run without it.", crmField: required))
        }
        return problems
    }
}
