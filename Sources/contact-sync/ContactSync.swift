import ArgumentParser
import NIOCore
import NIOPosix

/// The `contact-sync` command.
@main
struct ContactSync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contact-sync",
        abstract: "Keeps CRM contacts in HubSpot and Salesforce up to date from AI agent conversations.",
        version: BuildInfo.description,
        subcommands: [
            ServeCommand.self, WorkerCommand.self, MigrateCommand.self, EmulatorsCommand.self, MCPStdioCommand.self, ConfigCommand.self,
            ExtractCommand.self,
        ]
    )

    /// The long-running commands, whose work is network I/O: their tasks run on the event loops that do it,
    /// so a request's work does not hop between Swift's thread pool and NIO's threads. The others keep
    /// Swift's pool (the MCP stdio bridge blocks a thread reading its input).
    static let servingCommands: Set<String> = ["serve", "worker", "emulators"]

    static func main() async {
        do {
            var command = try parseAsRoot()
            if CommandLine.arguments.count > 1, servingCommands.contains(CommandLine.arguments[1]) {
                // The number of loops is fixed when the group starts, before the command runs.
                if let configured = command as? any ConfiguredCommand, let loops = try await configured.config().eventLoops() {
                    NIOSingletons.groupLoopCountSuggestion = loops
                }
                _ = NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
            }
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            exit(withError: error)
        }
    }
}
