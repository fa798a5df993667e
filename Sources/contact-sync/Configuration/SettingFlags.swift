import ArgumentParser

/// A command's flags, read from its command line through the catalogue (`Setting.all`): every setting of
/// the command that has a flag is one (`--port 8080` or `--port=8080`; an on/off setting is a switch,
/// `--no-emulators`). The catalogue, the flags, `--help` and `contact-sync config` come from one declaration.
struct SettingFlags: ParsableArguments {
    @Argument(parsing: .allUnrecognized, help: ArgumentHelp(visibility: .private))
    var arguments: [String] = []

    /// The values the command line gave `command`'s settings, the first layer of its configuration.
    func flags(for command: String) throws -> Flags {
        let known = Dictionary(Setting.all.compactMap { setting in setting.flag.map { ($0, setting) } }.filter { $0.1.commands.contains(command) }) { first, _ in first }
        var flags = Flags()
        var remaining = arguments[...]
        while let argument = remaining.popFirst() {
            let parts = argument.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let name = String(parts[0])
            guard name.hasPrefix("--"), let setting = known[name] else {
                throw ValidationError(name.hasPrefix("-") ? "Unknown option '\(name)'." : "Unexpected argument '\(argument)'.")
            }
            if setting.kind == .onOff {
                guard parts.count == 1 else { throw ValidationError("\(name) is a switch and takes no value.") }
                flags.set(setting, on: true)
                continue
            }
            guard let value = parts.count == 2 ? String(parts[1]) : remaining.popFirst() else {
                throw ValidationError("Missing value for '\(name)'.")
            }
            try flags.set(setting, text: value)
        }
        return flags
    }

    /// `--help`'s list of `command`'s flags, from the catalogue.
    static func help(for command: String) -> String {
        let lines = Setting.all.filter { $0.flag != nil && $0.commands.contains(command) }.map { setting in
            let value = setting.kind == .onOff ? "" : " <\(setting.kind.placeholder)>"
            let fallback = setting.defaultValue.map { "; default \($0)" } ?? setting.defaultNote.map { "; otherwise \($0)" } ?? ""
            return "\(setting.flag!)\(value): \(setting.help) (env \(setting.environment)\(fallback))."
        }
        return "Settings (flags win over the environment, which wins over the config file; `contact-sync config --markdown` lists them all):\n\n"
            + lines.joined(separator: "\n\n")
    }
}

extension Setting.Kind {
    var placeholder: String {
        switch self {
        case .text: "text"
        case .wholeNumber: "n"
        case .seconds: "seconds"
        case .onOff: ""
        }
    }
}
