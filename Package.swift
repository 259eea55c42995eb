// swift-tools-version:6.1
import PackageDescription

let swiftSettings: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("MemberImportVisibility"),
]

let package = Package(
    name: "galley",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "galleyd", targets: ["galleyd"]),
        .executable(name: "galley", targets: ["galley"]),
        .executable(name: "galley-bench", targets: ["galley-bench"]),
        .library(name: "GalleyClient", targets: ["GalleyClient"]),
        // For the libFuzzer package in Fuzz/, which drives these with --sanitize=fuzzer.
        .library(name: "GalleyFuzzTargets", targets: ["GalleyFuzzTargets"]),
        .library(name: "GalleySync", targets: ["GalleySync"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-nio-extras", from: "1.35.2"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-crypto", "3.12.3"..<"5.0.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/HdrHistogram/hdrhistogram-swift", from: "0.2.0"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
    ],
    targets: [
        // JSON values, JSON-RPC 2.0 messages and dispatch. Knows nothing of Galley or NIO's
        // networking; it takes only NIO's lock, a pthread mutex that ThreadSanitizer can see
        // (Synchronization.Mutex is a raw futex it cannot).
        .target(
            name: "JSONRPC",
            dependencies: [.product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        // Size-capped framing decoders and the NIO server/client connections.
        .target(
            name: "JSONRPCTransport",
            dependencies: [
                "JSONRPC",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "NIOExtras", package: "swift-nio-extras"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOTLS", package: "swift-nio"),
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // Roles, principals, the content model, validation and the changeset applier. No I/O.
        .target(name: "GalleyModel", dependencies: ["JSONRPC"], swiftSettings: swiftSettings),
        // The embedded SQLite store: migrations, tokens, the changeset log.
        .target(
            name: "GalleyStore",
            dependencies: [
                "GalleyModel",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The PostgreSQL store (scale-out): the same GalleyStorage over PostgresNIO's client pool.
        .target(
            name: "GalleyPostgres",
            dependencies: [
                "GalleyModel",
                "GalleyStore",
                "JSONRPC",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                .product(name: "NIOSSL", package: "swift-nio-ssl"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // Method handlers, authentication and the galleyd Service.
        .target(
            name: "GalleyServer",
            dependencies: [
                "JSONRPC",
                "JSONRPCTransport",
                "GalleyModel",
                "GalleyStore",
                .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // A typed async client over the transport, used by the CLI, the tests and (later) sync.
        .target(
            name: "GalleyClient",
            dependencies: ["JSONRPC", "JSONRPCTransport"],
            swiftSettings: swiftSettings
        ),
        // Untrusted-input code paths as functions of bytes, for libFuzzer (Fuzz/) and regression tests.
        .target(
            name: "GalleyFuzzTargets",
            dependencies: [
                "JSONRPC",
                "JSONRPCTransport",
                "GalleyModel",
                "GalleySync",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // The offline replica: local store, outbox, pull/push with three-way merge, conflicts, watch.
        .target(
            name: "GalleySync",
            dependencies: [
                "GalleyModel",
                "GalleyClient",
                "JSONRPC",
                "JSONRPCTransport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        // A fault-injecting SQLite VFS (power loss, I/O errors) for the reliability harness only.
        .target(
            name: "CFaultVFS",
            linkerSettings: [.linkedLibrary("sqlite3")]
        ),
        .executableTarget(
            name: "galley-faultsim",
            dependencies: [
                "CFaultVFS",
                "GalleyModel",
                "GalleyStore",
                "JSONRPC",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "galleyd",
            dependencies: [
                "GalleyServer",
                "GalleyStore",
                "GalleyPostgres",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        // What the `galley` commands do, over a `ContentBackend` (online now, a replica later):
        // formatting, Markdown editing, bulk plans, import/export. Testable in process.
        .target(
            name: "GalleyCLI",
            dependencies: [
                "GalleySync",
                "GalleyClient",
                "GalleyModel",
                "JSONRPC",
                "JSONRPCTransport",
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: swiftSettings
        ),
        .executableTarget(
            name: "galley",
            dependencies: [
                "GalleyCLI",
                "GalleyClient",
                "GalleyModel",
                "GalleySync",
                "JSONRPC",
                "JSONRPCTransport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ],
            swiftSettings: swiftSettings
        ),
        // The load generator: starts galleyd (or targets any server speaking the contract) and
        // measures named scenarios. Its own lean pipelined client, so it is not the bottleneck.
        .executableTarget(
            name: "galley-bench",
            dependencies: [
                "JSONRPC",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Histogram", package: "hdrhistogram-swift"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GalleyBenchTests",
            dependencies: ["galley-bench", "GalleyModel", "JSONRPC", .product(name: "NIOCore", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "JSONRPCTests", dependencies: ["JSONRPC"], swiftSettings: swiftSettings),
        .testTarget(
            name: "GalleyCLITests",
            dependencies: ["GalleyCLI", "GalleyModel", "JSONRPC", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")],
            swiftSettings: swiftSettings
        ),
        .testTarget(name: "GalleyModelTests", dependencies: ["GalleyModel", "JSONRPC"], swiftSettings: swiftSettings),
        .testTarget(
            name: "GalleyFuzzTests",
            dependencies: ["GalleyFuzzTargets", "GalleySync", "GalleyModel", "JSONRPC"],
            exclude: ["Regressions"],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "JSONRPCTransportTests",
            dependencies: [
                "JSONRPCTransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOEmbedded", package: "swift-nio"),
            ],
            swiftSettings: swiftSettings
        ),
        // A real in-process galleyd on port 0 and changeset builders, shared by the test targets.
        .target(
            name: "GalleyTestSupport",
            dependencies: [
                "GalleyServer",
                "GalleyStore",
                "GalleyPostgres",
                "GalleyClient",
                "JSONRPC",
                "JSONRPCTransport",
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            path: "Tests/GalleyTestSupport",
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GalleyServerTests",
            dependencies: [
                "GalleyTestSupport",
                "GalleyPostgres",
                .product(name: "PostgresNIO", package: "postgres-nio"),
                "GalleyServer",
                "GalleyStore",
                "GalleyClient",
                "JSONRPC",
                "JSONRPCTransport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "NIOPosix", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
        .testTarget(
            name: "GalleySyncTests",
            dependencies: [
                "GalleyTestSupport",
                "GalleyPostgres",
                "GalleySync",
                "GalleyServer",
                "GalleyStore",
                "GalleyClient",
                "GalleyModel",
                "JSONRPC",
                "JSONRPCTransport",
                .product(name: "GRDB", package: "GRDB.swift"),
                .product(name: "NIOCore", package: "swift-nio"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: swiftSettings
        ),
    ]
)
