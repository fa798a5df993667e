import ArgumentParser

/// A command configured through `Config`, from the flags its command line gave.
protocol ConfiguredCommand: AsyncParsableCommand {
    /// What the command line gave, the first layer of the configuration.
    var flags: Flags { get }
}

/// `--event-loops`, which the long-running commands take.
struct EventLoopsOption: ParsableArguments {
    @Option(name: .customLong("event-loops"), help: "Event loop threads (env CONTACT_SYNC_EVENT_LOOPS; default one per core).")
    var eventLoops: Int?
}

extension Config {
    /// How many event loops the command's group has; nil leaves NIO's choice (one per core).
    func eventLoops() throws -> Int? {
        guard let loops = try wholeNumber(.eventLoops) else { return nil }
        guard (1...1024).contains(loops) else { throw ValidationError("\(origin(of: .eventLoops)) must be between 1 and 1024.") }
        return loops
    }
}
