import ArgumentParser

/// A command configured through `Config`, its flags read from its command line through the catalogue.
protocol ConfiguredCommand: AsyncParsableCommand {
    /// The command line's flags, each a setting of the catalogue.
    var settings: SettingFlags { get }
}

extension ConfiguredCommand {
    static var commandName: String { configuration.commandName ?? "" }

    /// What the command line gave, the first layer of the configuration.
    func flags() throws -> Flags { try settings.flags(for: Self.commandName) }

    /// The command's configuration: its flags, the environment, the config file, the defaults.
    func config() async throws -> Config { try await Config.load(flags: flags()) }

    /// An unknown flag, or one of another command, stops the command before it starts.
    func validate() throws { _ = try flags() }
}

extension Config {
    /// How many event loops the command's group has; nil leaves NIO's choice (one per core).
    func eventLoops() throws -> Int? {
        guard let loops = try wholeNumber(.eventLoops) else { return nil }
        guard (1...1024).contains(loops) else { throw ValidationError("\(origin(of: .eventLoops)) must be between 1 and 1024.") }
        return loops
    }
}
