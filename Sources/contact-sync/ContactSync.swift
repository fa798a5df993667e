import ArgumentParser

/// The `contact-sync` command.
@main
struct ContactSync: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "contact-sync",
        abstract: "Keeps CRM contacts in HubSpot and Salesforce up to date from AI agent conversations.",
        subcommands: [
            ServeCommand.self, WorkerCommand.self, MigrateCommand.self, EmulatorsCommand.self, BenchCommand.self, MCPStdioCommand.self, ConfigCommand.self,
        ]
    )
}
