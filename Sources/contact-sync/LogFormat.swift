import ArgumentParser
import ContactSyncCore
import ContactSyncRuntime
import Foundation
import Logging

/// How log lines are written: `text` (swift-log's stream format) or `json` (one object per line).
enum LogFormat: String, ExpressibleByArgument, CaseIterable {
    case text, json

    /// The process's logger in the configured format and level, the run ids of the current task on every line.
    static func logger(label: String, config: Config) throws -> Logger {
        let text = try config.required(.logFormat, config.text)
        guard let chosen = LogFormat(rawValue: text) else { throw ValidationError("\(config.origin(of: .logFormat)) must be text or json.") }
        let levelName = try config.required(.logLevel, config.text)
        guard let level = Logger.Level(rawValue: levelName) else {
            throw ValidationError("\(config.origin(of: .logLevel)) must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", ")).")
        }
        var logger = switch chosen {
        case .text: Logger(label: label, factory: { EscapingLogHandler(StreamLogHandler.standardError(label: $0, metadataProvider: RunLogMetadata.provider)) })
        case .json: Logger(label: label, factory: { JSONLogHandler(label: $0, metadataProvider: RunLogMetadata.provider) })
        }
        logger.logLevel = level
        return logger
    }
}

/// One JSON object per line on standard error: time, level, label, message, source and metadata.
struct JSONLogHandler: LogHandler {
    let label: String
    var metadataProvider: Logger.MetadataProvider?
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .info

    init(label: String, metadataProvider: Logger.MetadataProvider?) {
        self.label = label
        self.metadataProvider = metadataProvider
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        var all = metadata
        all.merge(metadataProvider?.get() ?? [:]) { _, new in new }
        all.merge(event.metadata ?? [:]) { _, new in new }
        var object: [String: Any] = [
            "ts": Date().formatted(.iso8601.year().month().day().time(includingFractionalSeconds: true).timeZone(separator: .omitted)),
            "level": event.level.rawValue, "label": label, "message": event.message.description, "source": event.source,
        ]
        for (key, value) in all where object[key] == nil { object[key] = Self.json(value) }
        guard var data = try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]) else { return }
        data.append(0x0A)
        FileHandle.standardError.write(data)
    }

    static func json(_ value: Logger.MetadataValue) -> Any {
        switch value {
        case .string(let text): text
        case .stringConvertible(let convertible): convertible.description
        case .array(let items): items.map(json)
        case .dictionary(let entries): entries.mapValues(json)
        }
    }
}

/// Text log lines with what clients sent escaped (``LogText``): a value holding a line break or a control
/// character cannot forge a line or steer a terminal. (JSON lines escape by their nature.)
struct EscapingLogHandler<Inner: LogHandler>: LogHandler {
    var inner: Inner

    init(_ inner: Inner) { self.inner = inner }

    var metadata: Logger.Metadata {
        get { inner.metadata }
        set { inner.metadata = newValue }
    }

    var logLevel: Logger.Level {
        get { inner.logLevel }
        set { inner.logLevel = newValue }
    }

    var metadataProvider: Logger.MetadataProvider? {
        get { inner.metadataProvider }
        set { inner.metadataProvider = newValue }
    }

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { inner[metadataKey: key] }
        set { inner[metadataKey: key] = newValue }
    }

    func log(event: LogEvent) {
        var escaped = event
        escaped.message = "\(LogText.escaped(event.message.description, limit: 2_000))"
        escaped.metadata = event.metadata?.mapValues(Self.escape)
        var handler = inner
        handler.metadata = inner.metadata.mapValues(Self.escape)
        let provider = inner.metadataProvider
        handler.metadataProvider = provider.map { provider in Logger.MetadataProvider { provider.get().mapValues(Self.escape) } }
        handler.log(event: escaped)
    }

    static func escape(_ value: Logger.MetadataValue) -> Logger.MetadataValue {
        switch value {
        case .string(let text): .string(LogText.escaped(text, limit: 2_000))
        case .stringConvertible(let convertible): .string(LogText.escaped(convertible.description, limit: 2_000))
        case .array(let items): .array(items.map(escape))
        case .dictionary(let entries): .dictionary(entries.mapValues(escape))
        }
    }
}
