/// An OpenAI-style function definition that lets an agent's model call an in-conversation action. Its
/// `parameters` is the JSON Schema of the call's arguments, the same one MCP tools carry as `inputSchema`.
public struct ToolDefinition: Sendable, Hashable, Codable {
    public struct Function: Sendable, Hashable, Codable {
        public var name: String
        public var description: String
        public var parameters: Parameters
    }

    public struct Parameters: Sendable, Hashable, Codable {
        public var type = "object"
        public var properties: [String: Property]
        public var required: [String]
    }

    public struct Property: Sendable, Hashable, Codable {
        public var type = "string"
        public var description: String
        /// A restricted picklist's values.
        public var `enum`: [String]?
        /// The CRM field's length.
        public var maxLength: Int?
    }

    public var type = "function"
    public var function: Function

    /// The tool for `action`: named by its stored tool name, described by its intent, taking the mapped
    /// agent fields as string parameters (`summary` too when mapped). With the account's `fields`, a
    /// restricted picklist's values become an `enum` and a field's length `maxLength`. The agent fields
    /// mapped to the template's required CRM fields are required.
    public static func make(action: Action, template: Template, agentFields: [AgentField], fields: [CRMField] = []) -> ToolDefinition {
        let metadata = Dictionary(fields.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        var properties: [String: Property] = [:]
        var required: [String] = []
        for mapping in action.mappings {
            let label = agentFields.first { $0.key == mapping.agentField }?.label ?? mapping.agentField
            var property = properties[mapping.agentField] ?? Property(description: label)
            if let field = metadata[mapping.crmField] {
                if let length = field.length, field.valueKind == .text || field.valueKind == .email || field.valueKind == .url, !mapping.isSummary {
                    property.maxLength = min(property.maxLength ?? length, length)
                }
                if field.restrictedPicklist, let values = field.picklistValues, !values.isEmpty {
                    property.enum = property.enum.map { current in current.filter(values.contains) } ?? values
                }
            }
            properties[mapping.agentField] = property
            if template.requiredMappings.contains(mapping.crmField), !required.contains(mapping.agentField) {
                required.append(mapping.agentField)
            }
        }
        return ToolDefinition(
            function: Function(name: action.toolName, description: action.intent, parameters: Parameters(properties: properties, required: required)))
    }

    /// `Save contact to Salesforce` → `save_contact_to_salesforce`: lowercase ASCII letters, digits and
    /// underscores, at most 64 characters.
    public static func toolName(_ name: String) -> String {
        var result = ""
        for scalar in name.lowercased().unicodeScalars {
            if scalar.isASCII, scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) {
                result.unicodeScalars.append(scalar)
            } else if !result.hasSuffix("_") && !result.isEmpty {
                result.append("_")
            }
        }
        while result.hasSuffix("_") { result.removeLast() }
        let trimmed = String(result.prefix(64))
        return trimmed.isEmpty ? "action" : trimmed
    }
}
