/// One setting of the `contact-sync` commands: its key in a config file, its flag, its environment
/// variable, its default and the commands that read it. `Setting.all` is the catalogue the README's
/// configuration table is generated from (`contact-sync config --markdown`).
struct Setting: Hashable, Sendable {
    /// What a setting holds, which decides how it is read and checked.
    enum Kind: Sendable {
        case text, wholeNumber, seconds, onOff
    }

    /// The key in a JSON config file; dots nest (`hubspot.clientId` is `{"hubspot": {"clientId": …}}`).
    let key: String
    /// The command-line flag, when there is one (secrets have none).
    let flag: String?
    let environment: String
    let kind: Kind
    /// The default value (`nil`: none), which the reader falls back on.
    let defaultValue: String?
    /// What happens without a value, when that is not a value of its own (shown in the table).
    let defaultNote: String?
    /// Secrets are redacted wherever configuration is shown and never come from a flag.
    let isSecret: Bool
    let commands: [String]
    let help: String

    init(_ key: String, flag: String? = nil, environment: String, kind: Kind = .text, default defaultValue: String? = nil,
         otherwise defaultNote: String? = nil, secret: Bool = false, commands: [String], help: String) {
        self.key = key
        self.flag = flag
        self.environment = environment
        self.kind = kind
        self.defaultValue = defaultValue
        self.defaultNote = defaultNote
        self.isSecret = secret
        self.commands = commands
        self.help = help
    }

    static func == (lhs: Setting, rhs: Setting) -> Bool { lhs.key == rhs.key }
    func hash(into hasher: inout Hasher) { hasher.combine(key) }
}

extension Setting {
    static let configFile = Setting(
        "configFile", flag: "--config-file", environment: "CONTACT_SYNC_CONFIG_FILE",
        commands: ["serve", "worker", "migrate", "emulators", "mcp-stdio", "config"],
        help: "A JSON file of settings, keyed as in this table's first column; flags and the environment win over it")
    static let host = Setting(
        "host", flag: "--host", environment: "CONTACT_SYNC_HOST", default: "127.0.0.1", commands: ["serve", "emulators", "worker"],
        help: "Address to listen on")
    static let metricsPort = Setting(
        "worker.metricsPort", flag: "--metrics-port", environment: "CONTACT_SYNC_METRICS_PORT", kind: .wholeNumber, otherwise: "no listener",
        commands: ["worker"], help: "Serve the worker's metrics (`GET /metrics`, Prometheus text, no key) and `/health` on this port of the host")
    static let port = Setting(
        "port", flag: "--port", environment: "CONTACT_SYNC_PORT", kind: .wholeNumber, default: "8080", commands: ["serve"],
        help: "Port to listen on")
    static let dataDir = Setting(
        "dataDir", flag: "--data-dir", environment: "CONTACT_SYNC_DATA_DIR", default: "./.contact-sync",
        commands: ["serve", "worker", "migrate"], help: "Directory of the SQLite file and the key file")
    static let databaseURL = Setting(
        "databaseUrl", flag: "--database-url", environment: "CONTACT_SYNC_DATABASE_URL", otherwise: "SQLite in the data dir", secret: true,
        commands: ["serve", "worker", "migrate"], help: "PostgreSQL URL instead of SQLite in the data dir; it may hold a password")
    static let databasePoolSize = Setting(
        "databasePoolSize", environment: "CONTACT_SYNC_DATABASE_POOL_SIZE", kind: .wholeNumber, default: "10", commands: ["serve", "worker"],
        help: "PostgreSQL connections one process opens at most; N instances need N times this below the server's `max_connections`")
    static let textIdleSeconds = Setting(
        "textIdleSeconds", flag: "--text-idle-seconds", environment: "CONTACT_SYNC_TEXT_IDLE_SECONDS", kind: .wholeNumber,
        default: "600", commands: ["serve"], help: "A text conversation ends this long after its last message")
    static let noEmulators = Setting(
        "noEmulators", flag: "--no-emulators", environment: "CONTACT_SYNC_NO_EMULATORS", kind: .onOff, default: "false",
        commands: ["serve"], help: "Do not start the built-in emulated CRMs")
    static let noOfflineSync = Setting(
        "noOfflineSync", flag: "--no-offline-sync", environment: "CONTACT_SYNC_NO_OFFLINE_SYNC", kind: .onOff, default: "false",
        commands: ["serve"], help: "Serve the API only and leave offline runs to workers")
    static let publicURL = Setting(
        "publicUrl", flag: "--public-url", environment: "CONTACT_SYNC_PUBLIC_URL", otherwise: "`http://host:port`",
        commands: ["serve"], help: "The URL users reach contact-sync at (OAuth callbacks, MCP origin checks, Secure cookies)")
    static let retentionDays = Setting(
        "retentionDays", flag: "--retention-days", environment: "CONTACT_SYNC_RETENTION_DAYS", kind: .wholeNumber, default: "90",
        commands: ["serve"], help: "Messages and run inputs older than this are purged (at start and hourly)")
    static let logFormat = Setting(
        "logFormat", flag: "--log-format", environment: "CONTACT_SYNC_LOG_FORMAT", default: "text", commands: ["serve", "worker"],
        help: "`text` or `json` (one object per line)")
    static let logLevel = Setting(
        "logLevel", flag: "--log-level", environment: "LOG_LEVEL", default: "info", commands: ["serve", "worker"],
        help: "trace, debug, info, notice, warning, error or critical")
    static let eventLoops = Setting(
        "eventLoops", flag: "--event-loops", environment: "CONTACT_SYNC_EVENT_LOOPS", kind: .wholeNumber, otherwise: "one per core",
        commands: ["serve", "worker", "emulators"],
        help: "Event loop threads, which carry the command's network I/O and its tasks (1 to 1024); where other busy processes share a small machine, fewer cost less CPU per run")
    static let maxMessageCharacters = Setting(
        "maxMessageCharacters", environment: "CONTACT_SYNC_MAX_MESSAGE_CHARACTERS", kind: .wholeNumber, default: "32000", commands: ["serve"],
        help: "The longest conversation message accepted; a longer one answers 413 `message_too_long` and stores nothing")
    static let idleTimeoutSeconds = Setting(
        "http.idleTimeoutSeconds", environment: "CONTACT_SYNC_IDLE_TIMEOUT_SECONDS", kind: .seconds, default: "30", commands: ["serve"],
        help: "A connection with no request under way is closed after this long (1 to 60)")
    static let headerTimeoutSeconds = Setting(
        "http.headerTimeoutSeconds", environment: "CONTACT_SYNC_HEADER_TIMEOUT_SECONDS", kind: .seconds, default: "10", commands: ["serve"],
        help: "A request's head must arrive within this long of its first byte (1 to 60)")
    static let bodyTimeoutSeconds = Setting(
        "http.bodyTimeoutSeconds", environment: "CONTACT_SYNC_BODY_TIMEOUT_SECONDS", kind: .seconds, default: "30", commands: ["serve"],
        help: "A request's body must arrive within this long of its head (1 to 60)")
    static let maxConnections = Setting(
        "http.maxConnections", environment: "CONTACT_SYNC_MAX_CONNECTIONS", kind: .wholeNumber, otherwise: "1024, at most the open-file limit less 64",
        commands: ["serve"], help: "Connections served at once; further clients wait to be accepted")
    static let offlineLeaseSeconds = Setting(
        "offlineLeaseSeconds", environment: "CONTACT_SYNC_OFFLINE_LEASE_SECONDS", kind: .seconds, default: "120",
        commands: ["serve", "worker"], help: "How long a claimed offline run is held before another worker may take it over (1 to 3600)")
    static let retryWindowSeconds = Setting(
        "retryWindowSeconds", environment: "CONTACT_SYNC_RETRY_WINDOW_SECONDS", kind: .seconds, default: "86400",
        commands: ["serve", "worker"],
        help: "How long a run that failed for a transient cause (CRM down or rate-limited, customer busy) is retried in the background; 0: it fails at once, for an operator's retry")
    static let shutdownGraceSeconds = Setting(
        "shutdownGraceSeconds", environment: "CONTACT_SYNC_SHUTDOWN_GRACE_SECONDS", kind: .seconds, default: "30",
        commands: ["serve", "worker", "emulators"], help: "How long in-flight work may finish after SIGTERM or SIGINT (0 to 3600)")
    static let crmMaxAttempts = Setting(
        "crmMaxAttempts", environment: "CONTACT_SYNC_CRM_MAX_ATTEMPTS", kind: .wholeNumber, default: "8",
        commands: ["serve", "worker"], help: "Tries per CRM call, the first included")
    static let apiKey = Setting(
        "apiKey", environment: "CONTACT_SYNC_API_KEY", otherwise: "generated", secret: true, commands: ["serve"],
        help: "The admin API key; generated and printed once when unset; a new one revokes the previous key")
    static let secretKey = Setting(
        "secretKey", environment: "CONTACT_SYNC_SECRET_KEY", otherwise: "key file in the data dir", secret: true, commands: ["serve", "worker"],
        help: "Base64, 32 bytes, seals CRM tokens at rest; when unset a 0600 key file is created in the data dir")
    static let hubspotClientId = Setting(
        "hubspot.clientId", environment: "HUBSPOT_CLIENT_ID", otherwise: "tokens only", commands: ["serve"], help: "HubSpot OAuth app (with its secret)")
    static let hubspotClientSecret = Setting(
        "hubspot.clientSecret", environment: "HUBSPOT_CLIENT_SECRET", secret: true, commands: ["serve"], help: "HubSpot OAuth app secret")
    static let salesforceClientId = Setting(
        "salesforce.clientId", environment: "SALESFORCE_CLIENT_ID", otherwise: "tokens only", commands: ["serve"], help: "Salesforce connected app (with its secret)")
    static let salesforceClientSecret = Setting(
        "salesforce.clientSecret", environment: "SALESFORCE_CLIENT_SECRET", secret: true, commands: ["serve"],
        help: "Salesforce connected app secret")
    static let modelBaseURL = Setting(
        "llm.baseUrl", environment: "CONTACT_SYNC_LLM_BASE_URL", otherwise: "no model", commands: ["serve", "worker"],
        help: "OpenAI-compatible endpoint for agents in `model` extraction mode (with the key and model, or none of them)")
    static let modelAPIKey = Setting(
        "llm.apiKey", environment: "CONTACT_SYNC_LLM_API_KEY", secret: true, commands: ["serve", "worker"], help: "The model endpoint's key")
    static let modelName = Setting(
        "llm.model", environment: "CONTACT_SYNC_LLM_MODEL", commands: ["serve", "worker"], help: "The model's name")
    static let modelTimeoutSeconds = Setting(
        "llm.timeoutSeconds", environment: "CONTACT_SYNC_LLM_TIMEOUT_SECONDS", kind: .wholeNumber, default: "30",
        commands: ["serve", "worker"], help: "How long one model request may take")
    static let hubspotPort = Setting(
        "emulators.hubspotPort", flag: "--hubspot-port", environment: "CONTACT_SYNC_HUBSPOT_PORT", kind: .wholeNumber, default: "9101",
        commands: ["emulators"], help: "The HubSpot emulator's port (0 picks a free one)")
    static let salesforcePort = Setting(
        "emulators.salesforcePort", flag: "--salesforce-port", environment: "CONTACT_SYNC_SALESFORCE_PORT", kind: .wholeNumber,
        default: "9102", commands: ["emulators"], help: "The Salesforce emulator's port (0 picks a free one)")
    static let latencyMs = Setting(
        "emulators.latencyMs", flag: "--latency-ms", environment: "CONTACT_SYNC_EMULATOR_LATENCY_MS", kind: .wholeNumber, default: "0",
        commands: ["emulators"], help: "Latency added to every emulated CRM request")
    static let unlimited = Setting(
        "emulators.unlimited", flag: "--unlimited", environment: "CONTACT_SYNC_EMULATOR_UNLIMITED", kind: .onOff, default: "false",
        commands: ["emulators"], help: "Lift HubSpot's burst limit and Salesforce's daily limit (benchmarks)")
    static let serviceURL = Setting(
        "mcp.url", flag: "--url", environment: "CONTACT_SYNC_URL", commands: ["mcp-stdio"],
        help: "Where contact-sync serves, e.g. http://127.0.0.1:8080")
    static let agent = Setting(
        "mcp.agent", flag: "--agent", environment: "CONTACT_SYNC_AGENT_ID", commands: ["mcp-stdio"], help: "The agent whose tools to serve (agt_…)")
    static let agentKey = Setting(
        "mcp.agentKey", environment: "CONTACT_SYNC_AGENT_KEY", secret: true, commands: ["mcp-stdio"], help: "One of the agent's keys")

    /// Every setting, in the order the README lists them.
    static let all: [Setting] = [
        configFile, host, port, metricsPort, dataDir, databaseURL, databasePoolSize, textIdleSeconds, noEmulators, noOfflineSync, publicURL, retentionDays, logFormat,
        logLevel, eventLoops, maxMessageCharacters, idleTimeoutSeconds, headerTimeoutSeconds, bodyTimeoutSeconds, maxConnections,
        offlineLeaseSeconds, retryWindowSeconds, shutdownGraceSeconds, crmMaxAttempts, apiKey, secretKey, hubspotClientId, hubspotClientSecret,
        salesforceClientId, salesforceClientSecret, modelBaseURL, modelAPIKey, modelName, modelTimeoutSeconds, hubspotPort, salesforcePort,
        latencyMs, unlimited, serviceURL, agent, agentKey,
    ]
}
