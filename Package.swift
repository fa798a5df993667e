// swift-tools-version:6.0
import PackageDescription

// Layering (DESIGN §3): ContactSyncCore and CRMEmulators depend on nothing of ours; ContactSyncCRM and
// ContactSyncStore use Core only (never each other); ContactSyncRuntime uses Core, CRM and Store;
// ContactSyncServer uses Runtime (and Core, Store); the executable uses everything.
let package = Package(
    name: "contact-sync",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "contact-sync", targets: ["contact-sync"]),
        .executable(name: "contact-sync-bench", targets: ["contact-sync-bench"]),
        .library(name: "ContactSyncCore", targets: ["ContactSyncCore"]),
        .library(name: "CRMEmulators", targets: ["CRMEmulators"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.5.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.0.0"..<"4.0.0"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.0.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.24.0"),
        .package(url: "https://github.com/vapor/sql-kit", from: "3.30.0"),
        .package(url: "https://github.com/vapor/sqlite-kit", from: "4.5.0"),
        .package(url: "https://github.com/vapor/postgres-kit", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.6.0"),
        .package(url: "https://github.com/modelcontextprotocol/swift-sdk", exact: "0.12.1"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.5.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.0.0"),
        .package(url: "https://github.com/apple/swift-configuration", from: "1.0.0"),
        .package(url: "https://github.com/apple/swift-nio", from: "2.81.0"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.20.0"),
    ],
    targets: [
        // Pure domain: models, validation, the decision table, value checks. Foundation only.
        // Optimised in debug builds too: its rules run over untrusted text, and the tests that bound their
        // time measure the code as it runs in production.
        .target(
            name: "ContactSyncCore", dependencies: [.product(name: "Crypto", package: "swift-crypto")],
            swiftSettings: [.unsafeFlags(["-O"], .when(configuration: .debug))]),
        // CRM connectors over AsyncHTTPClient; uses Core only.
        .target(
            name: "ContactSyncCRM",
            dependencies: [
                "ContactSyncCore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ]
        ),
        // Persistence over SQLKit (SQLite and PostgreSQL); uses Core only.
        .target(
            name: "ContactSyncStore",
            dependencies: [
                "ContactSyncCore",
                .product(name: "SQLKit", package: "sql-kit"),
                .product(name: "SQLiteKit", package: "sqlite-kit"),
                .product(name: "PostgresKit", package: "postgres-kit"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // The engine: services over Core, CRM and Store.
        .target(
            name: "ContactSyncRuntime",
            dependencies: [
                "ContactSyncCore", "ContactSyncCRM", "ContactSyncStore",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // Agents' MCP endpoints over the MCP swift-sdk (its type names clash with Hummingbird's, hence a
        // target of its own); uses Runtime (and Core, Store).
        .target(
            name: "ContactSyncMCP",
            dependencies: [
                "ContactSyncCore", "ContactSyncStore", "ContactSyncRuntime",
                .product(name: "MCP", package: "swift-sdk"),
                .product(name: "Logging", package: "swift-log"),
            ]
        ),
        // Hummingbird: the REST API, OAuth callbacks and the MCP route; uses Runtime and MCP (and Core, Store).
        .target(
            name: "ContactSyncServer",
            dependencies: [
                "ContactSyncCore", "ContactSyncStore", "ContactSyncRuntime", "ContactSyncMCP",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HummingbirdCore", package: "hummingbird"),
                .product(name: "NIOHTTPTypes", package: "swift-nio-extras"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Mustache", package: "swift-mustache"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "CoreMetrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
            ],
            // The files under Resources are carried in the binary (EmbeddedResources.swift, scripts/embed-resources).
            exclude: ["Resources"]
        ),
        // Emulated HubSpot and Salesforce HTTP APIs; imports nothing of ours.
        .target(
            name: "CRMEmulators",
            dependencies: [
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ]
        ),
        .executableTarget(
            name: "contact-sync",
            dependencies: [
                "ContactSyncCore", "ContactSyncCRM", "ContactSyncStore", "ContactSyncRuntime", "ContactSyncServer", "CRMEmulators",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Configuration", package: "swift-configuration"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
        // The benchmarks: a program of their own, out of the product binary.
        .executableTarget(
            name: "contact-sync-bench",
            dependencies: [
                "ContactSyncCore", "ContactSyncStore", "ContactSyncRuntime", "ContactSyncServer", "CRMEmulators",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
            ]
        ),
        .testTarget(name: "ContactSyncCoreTests", dependencies: ["ContactSyncCore"]),
        .testTarget(
            name: "ContactSyncServerTests",
            dependencies: [
                "ContactSyncServer", "ContactSyncStore", "ContactSyncCore", "ContactSyncRuntime", "CRMEmulators", "ContactSyncTestSupport",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "ContactSyncRuntimeTests",
            dependencies: [
                "ContactSyncRuntime", "ContactSyncStore", "ContactSyncCore", "ContactSyncCRM", "CRMEmulators", "ContactSyncTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
        // Helpers the test targets share (a fresh store on SQLite or PostgreSQL, an emulator's OAuth approval).
        .target(
            name: "ContactSyncTestSupport",
            dependencies: [
                "ContactSyncStore", .product(name: "Logging", package: "swift-log"), .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "ContactSyncStoreTests",
            dependencies: [
                "ContactSyncStore", "ContactSyncTestSupport", .product(name: "SQLKit", package: "sql-kit"), .product(name: "Logging", package: "swift-log"),
            ]
        ),
        .testTarget(
            name: "ContactSyncCRMTests",
            dependencies: [
                "ContactSyncCRM", "CRMEmulators", "ContactSyncTestSupport",
                .product(name: "AsyncHTTPClient", package: "async-http-client"),
            ]
        ),
        .testTarget(
            name: "CRMEmulatorsTests",
            dependencies: [
                "CRMEmulators",
                .product(name: "HummingbirdTesting", package: "hummingbird"),
                .product(name: "HTTPTypes", package: "swift-http-types"),
            ]
        ),
    ]
)
