import Foundation
import GalleyClient
import GalleyPostgres
import GalleyServer
import GalleyStore
import JSONRPC
import JSONRPCTransport
import Logging
import NIOCore
import ServiceLifecycle

/// A real galleyd server (in process, real sockets, real SQLite in a temporary directory) on a
/// free loopback port, for the duration of one test body. Shared by the test targets.
public struct TestServer: Sendable {
    public let host = "127.0.0.1"
    public let port: Int
    public let adminToken: String
    public let dataDirectory: String
    /// The store the server runs on (SQLite in `dataDirectory`, or PostgreSQL).
    public let store: any GalleyStorage
    /// How clients reach it when it speaks TLS (the pin of its certificate); nil for plaintext.
    public let tls: ClientTLS?
    public let shutdown: @Sendable () async -> Void

    public var address: String { "\(self.host):\(self.port)" }

    public static let quietLogger = Logger(label: "galley.test", factory: { _ in SwiftLogNoOpLogHandler() })

    /// The PostgreSQL server the suite runs against instead of SQLite, from
    /// `GALLEY_TEST_POSTGRES=postgres://USER:PASS@HOST:PORT/DB` (`.ci/run` sets it for a second
    /// pass of the server and sync suites); nil runs on SQLite. Each test server gets a new
    /// database of its own, dropped afterwards.
    public static let postgres: PostgresURL? = ProcessInfo.processInfo.environment["GALLEY_TEST_POSTGRES"].flatMap { try? PostgresURL($0) }

    /// Whether test servers run on PostgreSQL (tests of SQLite's files skip then, saying so).
    public static var usesPostgres: Bool { Self.postgres != nil }

    /// Opens the store a test server runs on: SQLite in `directory`, or a fresh PostgreSQL
    /// database (migrated) when ``postgres`` is set. The returned cleanup drops that database.
    public static func makeStore(directory: String, logger: Logger) async throws -> (store: any GalleyStorage, cleanup: @Sendable () async -> Void) {
        guard let base = Self.postgres else {
            return (try SQLiteStore(directory: directory, logger: logger), {})
        }
        let name = "galley_test_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(16).lowercased())"
        let url = try await PostgresDatabases.create(name, on: base, logger: logger)
        try await PostgresMigrator.migrate(url: url, logger: logger)
        let store = try await PostgresStore(url: url, pollInterval: .seconds(1), maximumConnections: 3, logger: logger)
        return (store, { try? await PostgresDatabases.drop(name, on: base, logger: logger) })
    }

    /// Runs `body` against a fresh server, then shuts it down gracefully and removes its data.
    public static func with<T: Sendable>(
        configure: @Sendable (inout TransportConfiguration) -> Void = { _ in },
        limits: AbuseLimits = AbuseLimits(),
        _ body: @Sendable (TestServer) async throws -> T
    ) async throws -> T {
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        let (store, dropDatabase) = try await Self.makeStore(directory: directory, logger: Self.quietLogger)
        do {
            let result = try await Self.with(store: store, dataDirectory: directory, configure: configure, limits: limits, body)
            await dropDatabase()
            return result
        } catch {
            await dropDatabase()
            throw error
        }
    }

    /// Runs `body` against a server on `store` (its first admin token in `dataDirectory`, made
    /// there unless the store has live tokens already), then shuts it down, which closes the store.
    public static func with<T: Sendable>(
        store: any GalleyStorage,
        dataDirectory directory: String,
        configure: @Sendable (inout TransportConfiguration) -> Void = { _ in },
        limits: AbuseLimits = AbuseLimits(),
        _ body: @Sendable (TestServer) async throws -> T
    ) async throws -> T {
        let logger = Self.quietLogger
        let tokenPath = try await AdminBootstrap.ensureAdminToken(store: store, dataDirectory: directory, logger: logger) ?? directory + "/admin.token"
        let adminToken = try String(contentsOfFile: tokenPath, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
        // A test that holds an unauthenticated connection (anonymous calls, wrong tokens) can
        // outlast galleyd's 10 s authentication deadline on a loaded 2-core machine; the tests of
        // the deadline itself set their own.
        var transport = TransportConfiguration(host: "127.0.0.1", port: 0, authenticationDeadline: .seconds(120))
        configure(&transport)
        let (addresses, addressContinuation) = AsyncStream<SocketAddress>.makeStream()
        let server = try GalleyServer(store: store, transport: transport, limits: limits, logger: logger) { address in
            addressContinuation.yield(address)
            addressContinuation.finish()
        }
        let group = ServiceGroup(services: [server], logger: logger)
        return try await Self.run(group: group, store: store, addresses: addresses, adminToken: adminToken, directory: directory, transport: transport, body)
    }

    private static func run<T: Sendable>(
        group: ServiceGroup,
        store: any GalleyStorage,
        addresses: AsyncStream<SocketAddress>,
        adminToken: String,
        directory: String,
        transport: TransportConfiguration,
        _ body: @Sendable (TestServer) async throws -> T
    ) async throws -> T {
        try await withThrowingTaskGroup(of: T?.self) { tasks in
            tasks.addTask {
                try await group.run()
                return nil
            }
            var iterator = addresses.makeAsyncIterator()
            guard let address = await iterator.next(), let port = address.port else {
                throw TestFailure("the server did not start listening")
            }
            let testServer = TestServer(
                port: port,
                adminToken: adminToken,
                dataDirectory: directory,
                store: store,
                tls: transport.tls.map { ClientTLS(trust: .pin($0.certificatePin)) },
                shutdown: { await group.triggerGracefulShutdown() }
            )
            let result: T
            do {
                result = try await body(testServer)
            } catch {
                await group.triggerGracefulShutdown()
                try? await tasks.waitForAll()
                throw error
            }
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
            return result
        }!
    }

    /// A client, authenticated with `token` (the admin token by default; nil for none).
    public func client(token: String?? = .some(nil)) async throws -> GalleyClient {
        let chosen: String? =
            switch token {
            case .none: nil
            case .some(.none): self.adminToken
            case .some(.some(let given)): given
            }
        return try await GalleyClient.connect(host: self.host, port: self.port, token: chosen, tls: self.tls)
    }

    /// An unauthenticated client.
    public func anonymousClient() async throws -> GalleyClient {
        try await GalleyClient.connect(host: self.host, port: self.port, token: nil, tls: self.tls)
    }

    /// A byte-level connection, for asserting exact wire behaviour.
    /// A new token with `role`, created through the API.
    public func token(role: String, name: String = "t-\(UInt32.random(in: 0...UInt32.max))") async throws -> String {
        let admin = try await self.client()
        defer { Task { await admin.close() } }
        let created = try await admin.call("token.create", ["name": .string(name), "role": .string(role)])
        guard let token = created["token"]?.stringValue else { throw TestFailure("token.create returned no token") }
        return token
    }
}

public struct TestFailure: Error, CustomStringConvertible {
    public var description: String
    public init(_ description: String) { self.description = description }
}

public enum TemporaryDirectory {
    public static func make() throws -> String {
        let path = FileManager.default.temporaryDirectory
            .appendingPathComponent("galley-test-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    public static func remove(_ path: String) {
        try? FileManager.default.removeItem(atPath: path)
    }
}

extension GalleyClient {
    /// The next notification the server sends, or nil when none arrives within `limit` (the
    /// client is closed then, which ends the wait). A bound on arrival, not a speed assertion.
    public func nextNotification(within limit: Duration = .seconds(10)) async -> JSONRPCRequest? {
        let guardTask = Task {
            try await Task.sleep(for: limit)
            await self.close()
        }
        defer { guardTask.cancel() }
        var iterator = self.connection.notifications.makeAsyncIterator()
        return await iterator.next()
    }
}
