import ArgumentParser

/// `contact-sync config`: the settings as the commands would read them (flags aside), secrets redacted,
/// with where each came from; `--markdown` prints the README's configuration table from `Setting.all`.
struct ConfigCommand: ConfiguredCommand {
    static let configuration = CommandConfiguration(
        commandName: "config", abstract: "Show the settings from the environment and the config file, secrets redacted.",
        discussion: SettingFlags.help(for: "config"))

    @OptionGroup var settings: SettingFlags
    @Flag(help: "Print the table of every setting in Markdown, as the README lists them.") var markdown = false

    func run() async throws {
        if markdown {
            announce(Self.table())
            return
        }
        let config = try await config()
        let width = Setting.all.map(\.key.count).max() ?? 0
        for setting in Setting.all {
            let source = config.source(of: setting).map { "(\($0.rawValue))" } ?? ""
            announce("\(setting.key.padding(toLength: width + 2, withPad: " ", startingAt: 0))\(config.shown(setting)) \(source)")
        }
    }

    /// The configuration table: file key, flag, environment variable, default, commands, meaning.
    static func table() -> String {
        var lines = [
            "| file key | flag | environment | default | commands | what it sets |",
            "| --- | --- | --- | --- | --- | --- |",
        ]
        for setting in Setting.all {
            let fallback = setting.defaultValue.map { "`\($0)`" } ?? setting.defaultNote ?? ""
            let secret = setting.isSecret ? " (secret)" : ""
            let cells = [
                "`\(setting.key)`", setting.flag.map { "`\($0)`" } ?? "", "`\(setting.environment)`", fallback,
                setting.commands.joined(separator: ", "), setting.help + secret,
            ]
            lines.append("| " + cells.joined(separator: " | ") + " |")
        }
        return lines.joined(separator: "\n")
    }
}
