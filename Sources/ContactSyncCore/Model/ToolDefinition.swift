/// An OpenAI-style function definition that lets an agent's model call an in-conversation action.
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
    }

    public var type = "function"
    public var function: Function

    /// The tool for `action`: named after the action, described by its intent, taking the mapped agent
    /// fields as string parameters, those mapped to CRM-required fields required.
    public static func make(action: Action, template: Template, agentFields: [AgentField], takenNames: Set<String> = []) -> ToolDefinition {
        var properties: [String: Property] = [:]
        var required: [String] = []
        for mapping in action.mappings {
            let label = agentFields.first { $0.key == mapping.agentField }?.label ?? mapping.agentField
            properties[mapping.agentField] = Property(description: label)
            if template.requiredMappings.contains(mapping.crmField), !required.contains(mapping.agentField) {
                required.append(mapping.agentField)
            }
        }
        var name = toolName(action.name)
        var suffix = 2
        while takenNames.contains(name) {
            name = String(toolName(action.name).prefix(60)) + "_\(suffix)"
            suffix += 1
        }
        return ToolDefinition(
            function: Function(name: name, description: action.intent, parameters: Parameters(properties: properties, required: required)))
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
