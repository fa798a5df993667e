import ArgumentParser
import Configuration
import Foundation

/// The settings a command runs with, read through one swift-configuration `ConfigReader` whose providers
/// are, first to last: the command's flags, the environment, the JSON config file (`--config-file` or
/// `CONTACT_SYNC_CONFIG_FILE`), then the defaults of `Setting.all`. Values that are set but cannot be read
/// (a port that is not a number) are errors naming where they came from; secrets are marked secret, so
/// swift-configuration's access reporting redacts them, and `shown(_:)` never prints them.
struct Config: Sendable {
    /// Where a value came from.
    enum Source: String, Sendable {
        case flag, environment, file, `default`
    }

    private let reader: ConfigReader
    private let layers: [(source: Source, provider: any ConfigProvider)]
    private let filePath: String?

    /// Reads `flags` (what the command line gave), then `environment` (empty variables count as unset), the
    /// config file, and the defaults.
    static func load(flags: Flags, environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> Config {
        let present = environment.filter { !$0.value.isEmpty }
        let settings = Dictionary(uniqueKeysWithValues: Setting.all.map { ($0.key, $0) })
        let variables = EnvironmentVariablesProvider(
            environmentVariables: present, secretsSpecifier: .specific(Set(Setting.all.filter(\.isSecret).map(\.environment))))
        // A setting's key is looked up as its own variable name (CONTACT_SYNC_PORT, HUBSPOT_CLIENT_ID, LOG_LEVEL).
        let environmentLayer = KeyMappingProvider(upstream: variables) { key in
            AbsoluteConfigKey([settings[key.components.joined(separator: ".")]?.environment ?? "CONTACT_SYNC_UNKNOWN_SETTING"])
        }
        var layers: [(source: Source, provider: any ConfigProvider)] = [(.flag, flags.provider), (.environment, environmentLayer)]
        let path = flags.text(Setting.configFile) ?? present[Setting.configFile.environment]
        if let path {
            guard FileManager.default.isReadableFile(atPath: path) else { throw ValidationError("The config file \(path) cannot be read.") }
            do {
                layers.append((.file, try await FileProvider<JSONSnapshot>(filePath: .init(path))))
            } catch {
                throw ValidationError("The config file \(path) is not a JSON object of settings: \(error)")
            }
        }
        layers.append((.default, InMemoryProvider(name: "defaults", values: Self.defaults())))
        return Config(reader: ConfigReader(providers: layers.map(\.provider)), layers: layers, filePath: path)
    }

    private static func defaults() -> [AbsoluteConfigKey: ConfigValue] {
        var values: [AbsoluteConfigKey: ConfigValue] = [:]
        for setting in Setting.all {
            guard let text = setting.defaultValue, let content = setting.kind.content(text) else { continue }
            values[AbsoluteConfigKey(ConfigKey(setting.key))] = ConfigValue(content, isSecret: setting.isSecret)
        }
        return values
    }

    /// The first layer holding a value for `setting`, if any does.
    func source(of setting: Setting) -> Source? {
        let key = AbsoluteConfigKey(ConfigKey(setting.key))
        for layer in layers {
            do {
                if try layer.provider.value(forKey: key, type: setting.kind.type).value != nil { return layer.source }
            } catch {
                return layer.source  // There, but not of the setting's kind: reading it reports why.
            }
        }
        return nil
    }

    func text(_ setting: Setting) throws -> String? {
        try read(setting) { try reader.requiredString(forKey: $0, isSecret: setting.isSecret) }
    }

    func wholeNumber(_ setting: Setting) throws -> Int? {
        try read(setting) { try reader.requiredInt(forKey: $0, isSecret: setting.isSecret) }
    }

    func seconds(_ setting: Setting) throws -> Double? {
        try read(setting) { try reader.requiredDouble(forKey: $0, isSecret: setting.isSecret) }
    }

    func isOn(_ setting: Setting) throws -> Bool {
        try read(setting) { try reader.requiredBool(forKey: $0, isSecret: setting.isSecret) } ?? false
    }

    /// The value as it may be shown: secrets redacted, `-` when unset.
    func shown(_ setting: Setting) -> String {
        guard source(of: setting) != nil else { return "-" }
        if setting.isSecret { return "<redacted>" }
        do {
            let value = switch setting.kind {
            case .text: try text(setting)
            case .wholeNumber: try wholeNumber(setting).map(String.init)
            case .seconds: try seconds(setting).map { $0.formatted(.number.grouping(.never)) }
            case .onOff: String(try isOn(setting))
            }
            return value ?? "-"
        } catch {
            return "<unreadable>"
        }
    }

    /// Names where a setting's value came from, for errors.
    func origin(of setting: Setting) -> String {
        switch source(of: setting) {
        case .flag: setting.flag ?? setting.key
        case .file: "\(setting.key) in \(filePath ?? "the config file")"
        case .environment, .default, nil: setting.environment
        }
    }

    private func read<T>(_ setting: Setting, _ get: (ConfigKey) throws -> T) throws -> T? {
        guard source(of: setting) != nil else { return nil }
        do {
            return try get(ConfigKey(setting.key))
        } catch {
            throw ValidationError("\(origin(of: setting)) must be \(setting.kind.described).")
        }
    }
}

extension Setting.Kind {
    var type: ConfigType {
        switch self {
        case .text: .string
        case .wholeNumber: .int
        case .seconds: .double
        case .onOff: .bool
        }
    }

    /// What a value of this kind must be, for errors.
    var described: String {
        switch self {
        case .text: "text"
        case .wholeNumber: "a whole number"
        case .seconds: "a number of seconds"
        case .onOff: "true or false (1 or 0)"
        }
    }

    /// `text` as a value of this kind.
    func content(_ text: String) -> ConfigContent? {
        switch self {
        case .text: .string(text)
        case .wholeNumber: Int(text).map { .int($0) }
        case .seconds: Double(text).map { .double($0) }
        case .onOff: Bool(text).map { .bool($0) }
        }
    }
}

/// The values a command's flags were given, the first layer of its `Config`. A flag left out is absent, so
/// the environment, the file or the default decides.
struct Flags: Sendable {
    private var values: [AbsoluteConfigKey: ConfigValue] = [:]

    init() {}

    /// A switch counts only when given (`--no-emulators`); absent, the environment may still turn it on.
    mutating func set(_ setting: Setting, on: Bool) { put(setting, on ? .bool(true) : nil) }

    /// A flag's value as written on the command line, read as the setting's kind.
    mutating func set(_ setting: Setting, text: String) throws {
        guard let content = setting.kind.content(text) else {
            throw ValidationError("\(setting.flag ?? setting.key) must be \(setting.kind.described).")
        }
        put(setting, content)
    }

    func text(_ setting: Setting) -> String? {
        guard case .string(let text) = values[AbsoluteConfigKey(ConfigKey(setting.key))]?.content else { return nil }
        return text
    }

    var provider: InMemoryProvider { InMemoryProvider(name: "flags", values: values) }

    private mutating func put(_ setting: Setting, _ content: ConfigContent?) {
        guard let content else { return }
        values[AbsoluteConfigKey(ConfigKey(setting.key))] = ConfigValue(content, isSecret: setting.isSecret)
    }
}
