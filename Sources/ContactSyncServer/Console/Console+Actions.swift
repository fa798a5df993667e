import ContactSyncCore
import ContactSyncRuntime
import Foundation
import Hummingbird

/// The Action Library and the configuration of an action in the seeds' five steps.
extension Console {
    func addActions(_ group: RouterGroup<AppRequestContext>) {
        get(group, "actions") { _, _, session in try await library(session) }
        get(group, "actions/new") { request, _, session in
            guard let template = request.uri.queryParameters.get("template").flatMap(Template.named) else {
                throw ServiceError(.badRequest, .invalidRequest, "Choose a template from the Action Library.")
            }
            let accounts = try await accountsOf(template.crm)
            let draft = ActionDraft(template: template, accountId: accounts.first?.id ?? "")
            return try await configure(session, draft)
        }
        get(group, "actions/{id}") { request, context, session in
            let stored = try await configuration.action(id: try context.parameter("id"))
            guard let template = Template.named(stored.action.template) else { throw ServiceError.notFound("Template \(stored.action.template)") }
            let saved = request.uri.queryParameters.get("saved") != nil
            return try await configure(session, ActionDraft(action: stored.action, template: template), notice: saved ? "Saved." : nil)
        }
        // Re-renders the configuration with the form's values: a row added, an agent field created, another account.
        post(group, "actions/form") { form, _, _, session in
            var draft = try ActionDraft(form: form)
            var notice: String?
            var problems: [ServiceError.Detail] = []
            switch form["intent"] {
            case "add_row": draft.rows.append(.init(crmField: "", agentField: "", defaultValue: ""))
            case "edit_intent": draft.intentEditable = true
            case "add_field":
                do {
                    let key = form["newFieldKey"] ?? ""
                    let field = try await configuration.createAgentField(key: key, label: form["newFieldLabel"], contactAttribute: form.isOn("newFieldContactAttribute"))
                    notice = "Agent field \(field.key) created."
                } catch let error as ServiceError {
                    problems = error.details.isEmpty ? [.init(code: error.code.rawValue, message: error.message)] : error.details
                }
            default: break
            }
            return try await configure(session, draft, notice: notice, problems: problems)
        }
        post(group, "actions/save") { form, _, _, session in
            let draft = try ActionDraft(form: form)
            do {
                let saved = if let id = draft.id {
                    try await configuration.updateAction(id: id, draft.action)
                } else {
                    try await configuration.createAction(draft.action)
                }
                return ConsoleRenderer.redirect("/console/actions/\(saved.action.id)?saved=1")
            } catch let error as ServiceError where error.kind == .unprocessable || error.kind == .conflict {
                let problems = error.details.isEmpty ? [.init(code: error.code.rawValue, message: error.message)] : error.details
                return try await configure(session, draft, problems: problems)
            }
        }
    }

    private func library(_ session: ConsoleSessions.Session) async throws -> Response {
        let actions = try await allActions()
        let accountNames = try await accountNames()
        let lastRuns = try await activity.lastRuns(actionIds: actions.map(\.id))
        let rows: [LibraryPage.Action] = actions.map { action in
            let last = lastRuns[action.id]
            return .init(
                id: action.id, name: action.name, template: Template.named(action.template)?.name ?? action.template,
                account: accountNames[action.accountId] ?? action.accountId, offlineSync: action.offlineSync ? "On" : "Off",
                enabled: action.enabled ? "Enabled" : "Disabled", toolName: action.toolName,
                lastRun: last.map { ($0.result?.outcome?.rawValue ?? $0.status.rawValue) + " · " + Self.time($0.createdAt) } ?? "No runs yet",
                lastRunId: last?.id)
        }
        let templates = Template.all.map { LibraryPage.Template(id: $0.id, name: $0.name, crm: Self.crmName($0.crm)) }
        return renderer.page("library", page(session, "Action Library", section: "Action Library", LibraryPage(templates: templates, actions: rows)))
    }

    struct LibraryPage {
        struct Template { let id: String, name: String, crm: String }
        struct Action {
            let id: String, name: String, template: String, account: String, offlineSync: String, enabled: String, toolName: String, lastRun: String
            let lastRunId: String?
        }
        let templates: [Template]
        let actions: [Action]
    }

    private func accountsOf(_ crm: CRM) async throws -> [AccountRecord] {
        try await allAccounts().filter { $0.crm == crm }
    }

    func accountNames() async throws -> [String: String] {
        Dictionary(uniqueKeysWithValues: try await allAccounts().map { ($0.id, $0.name) })
    }

    /// The configuration page: the five steps, the live field list, the mapping rows and every problem.
    private func configure(
        _ session: ConsoleSessions.Session, _ draft: ActionDraft, notice: String? = nil, problems: [ServiceError.Detail] = []
    ) async throws -> Response {
        let template = draft.template
        let accounts = try await accountsOf(template.crm)
        let fields = draft.accountId.isEmpty ? [] : ((try? await self.accounts.fields(accountId: draft.accountId)) ?? [])
        let agentFields = try await configuration.agentFields()
        let rowProblems = Dictionary(grouping: problems.filter { $0.crmField != nil }, by: { $0.crmField ?? "" })
        let placed = Set(draft.rows.map(\.crmField))
        let general = problems.filter { $0.crmField == nil || !placed.contains($0.crmField ?? "") }
        let rows: [ConfigurePage.Row] = draft.rows.enumerated().map { index, row in
            .init(
                number: index + 1,
                crmOptions: fields.map { field in
                    let reason = field.notMappableReason(in: template.crm)
                    return .init(
                        value: field.name, label: "\(field.label) (\(field.name))", selected: field.name == row.crmField,
                        disabled: reason != nil, reason: reason.map { " — " + Self.words($0.rawValue) } ?? "")
                } + (fields.contains { $0.name == row.crmField } || row.crmField.isEmpty ? [] : [.init(value: row.crmField, label: row.crmField, selected: true)]),
                agentOptions: agentFields.map { .init(value: $0.key, label: "\($0.label) (\($0.key))", selected: $0.key == row.agentField) },
                defaultValue: row.defaultValue,
                problems: row.crmField.isEmpty
                    ? (row.agentField.isEmpty ? [] : [.init(message: "No CRM field is chosen, so this row is not saved.")])
                    : (rowProblems[row.crmField] ?? []).map { .init(message: $0.message ?? $0.code) })
        }
        let fieldList: [ConfigurePage.Field] = fields.map { field in
            let reason = field.notMappableReason(in: template.crm)
            return .init(
                name: field.name, label: field.label, type: field.fieldType.map { "\(field.type) · \($0)" } ?? field.type,
                length: field.length.map(String.init) ?? "—", required: field.requiredOnCreate || template.requiredMappings.contains(field.name),
                mappable: reason == nil, reason: reason.map { Self.words($0.rawValue) } ?? "")
        }
        let model = ConfigurePage(
            id: draft.id, toolName: draft.toolName, templateId: template.id, templateName: template.name,
            crm: Self.crmName(template.crm), name: draft.name, intent: draft.intent,
            intentReadOnly: draft.id != nil && !draft.intentEditable, intentEditable: draft.id == nil || draft.intentEditable,
            offlineSync: draft.offlineSync, allowCreate: draft.allowCreate, allowUpdateExisting: draft.allowUpdateExisting,
            enabled: draft.enabled, matchByPhone: draft.match == .emailThenPhone,
            logChoices: ActivityLog.allCases.filter { $0.applies(to: template.crm) }.map {
                .init(value: $0.rawValue, label: Self.describe($0), selected: $0 == (draft.logAs ?? .standard(for: template.crm)))
            },
            accounts: accounts.map {
                .init(id: $0.id, name: $0.name + ($0.status == .connected ? "" : " (reconnect required)"), selected: $0.id == draft.accountId)
            },
            noAccounts: accounts.isEmpty, rows: rows, fields: fieldList, requiredFields: template.requiredMappings.joined(separator: " and "),
            summaryAdvice: template.crm == .salesforce
                ? "Map a long text area (such as Description) to summary: Salesforce recommends a long text area for it."
                : "Map a multi-line text property to summary to keep it on the contact; HubSpot also gets the summary as a note on the contact.",
            notice: notice, problems: general.map { .init(message: $0.message ?? $0.code) }, hasProblems: !problems.isEmpty)
        return renderer.page("configure", page(session, draft.id == nil ? "New action" : draft.name, section: "Action Library", model))
    }

    /// The configuration page: the draft's settings, its mapping rows and the account's fields.
    struct ConfigurePage {
        struct FieldOption {
            let value: String, label: String
            let selected: Bool
            var disabled = false
            var reason = ""
        }
        struct Row {
            let number: Int
            let crmOptions: [FieldOption]
            let agentOptions: [ConsoleModel.Option]
            let defaultValue: String
            let problems: [ConsoleModel.Message]
        }
        struct Field {
            let name: String, label: String, type: String, length: String
            let required: Bool, mappable: Bool
            let reason: String
        }
        struct Account {
            let id: String, name: String
            let selected: Bool
        }
        let id: String?
        let toolName: String, templateId: String, templateName: String, crm: String, name: String, intent: String
        let intentReadOnly: Bool, intentEditable: Bool, offlineSync: Bool, allowCreate: Bool, allowUpdateExisting: Bool, enabled: Bool
        /// "By email, then by phone number".
        let matchByPhone: Bool
        let logChoices: [ConsoleModel.Option]
        let accounts: [Account]
        let noAccounts: Bool
        let rows: [Row]
        let fields: [Field]
        let requiredFields: String, summaryAdvice: String
        let notice: String?
        let problems: [ConsoleModel.Message]
        let hasProblems: Bool
    }

    /// How an action logs its conversations, in words.
    static func describe(_ log: ActivityLog) -> String {
        switch log {
        case .note: "As a note on the contact"
        case .call: "As a call on the contact's timeline"
        case .summaryField: "In the summary field"
        case .task: "In the summary field and as a completed call task"
        }
    }

    /// `not_updateable` → "Not updateable".
    static func words(_ code: String) -> String {
        let text = code.replacingOccurrences(of: "_", with: " ")
        return text.prefix(1).uppercased() + text.dropFirst()
    }
}

/// The configuration form as the operator left it.
struct ActionDraft: Sendable {
    struct Row: Sendable {
        var crmField: String
        var agentField: String
        var defaultValue: String
    }

    var id: String?
    var toolName = ""
    var template: Template
    var name = ""
    var intent = ""
    var intentEditable = false
    var offlineSync = false
    var accountId: String
    var allowCreate = true
    var allowUpdateExisting = false
    var enabled = true
    var match = ContactMatchMode.email
    var logAs: ActivityLog?
    var rows: [Row] = []

    /// A new action of `template`, with its required CRM fields as the first rows.
    init(template: Template, accountId: String) {
        self.template = template
        self.accountId = accountId
        rows = template.requiredMappings.map { Row(crmField: $0, agentField: Self.agentField(for: $0), defaultValue: "") }
    }

    init(action: Action, template: Template) {
        id = action.id
        toolName = action.toolName
        self.template = template
        name = action.name
        intent = action.intent
        offlineSync = action.offlineSync
        accountId = action.accountId
        allowCreate = action.allowCreate
        allowUpdateExisting = action.allowUpdateExisting
        enabled = action.enabled
        match = action.match
        logAs = action.logAs
        rows = action.mappings.map { Row(crmField: $0.crmField, agentField: $0.agentField, defaultValue: $0.defaultValue ?? "") }
    }

    init(form: FormBody) throws(ServiceError) {
        guard let template = form["template"].flatMap(Template.named) else {
            throw ServiceError(.badRequest, .invalidRequest, "The form names no template.")
        }
        self.template = template
        id = form["id"]
        toolName = form["toolName"] ?? ""
        name = form["name"] ?? ""
        intent = form["actionIntent"] ?? ""
        intentEditable = form.isOn("intentEditable")
        offlineSync = form.isOn("offlineSync")
        accountId = form["accountId"] ?? ""
        allowCreate = form.isOn("allowCreate")
        allowUpdateExisting = form.isOn("allowUpdateExisting")
        enabled = form.isOn("enabled")
        match = form["match"].flatMap(ContactMatchMode.init(rawValue:)) ?? .email
        logAs = form["logAs"].flatMap(ActivityLog.init(rawValue:))
        let crm = form.all("crmField"), agent = form.all("agentField"), defaults = form.all("defaultValue")
        rows = crm.indices.map { index in
            Row(crmField: crm[index], agentField: index < agent.count ? agent[index] : "", defaultValue: index < defaults.count ? defaults[index] : "")
        }
    }

    /// The action to save: rows without a CRM field are left out.
    var action: Action {
        Action(
            id: id ?? "", template: template.id, name: name, intent: intent, offlineSync: offlineSync, accountId: accountId,
            allowCreate: allowCreate, allowUpdateExisting: allowUpdateExisting, enabled: enabled,
            mappings: rows.filter { !$0.crmField.isEmpty }.map {
                FieldMapping(crmField: $0.crmField, agentField: $0.agentField, defaultValue: $0.defaultValue.isEmpty ? nil : $0.defaultValue)
            },
            toolName: toolName, match: match, logAs: logAs)
    }

    /// The built-in agent field that fits a required CRM field: `LastName` → `last_name`.
    static func agentField(for crmField: String) -> String {
        switch crmField.lowercased() {
        case "email": "email"
        case "lastname": "last_name"
        case "firstname": "first_name"
        default: ""
        }
    }
}
