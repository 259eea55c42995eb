import Foundation
import GalleyModel
import GalleyStore
import Logging
import NIOPosix
import PostgresNIO
import NIOConcurrencyHelpers

/// The scale-out store: the same ``GalleyStorage`` as the embedded SQLite store, over a
/// PostgreSQL database that several galleyd instances share. PostgresNIO's `PostgresClient` pool
/// serves reads; the ``PostgresCommitter`` writes (see it for how `seq` stays in commit order
/// across instances); ``watchHead(_:)`` hears other instances' commits.
public final class PostgresStore: GalleyStorage {
    public var engineName: String { "postgres" }

    /// Changesets grouped into one transaction unless configured otherwise.
    public static let defaultMaximumCommitBatch = 256
    /// How often the head is read when no notification arrived (a safety net under LISTEN).
    public static let defaultPollInterval: Duration = .seconds(5)
    /// Pooled connections per instance (the listener takes one more).
    public static let defaultMaximumConnections = 24
    /// The channel commits are announced on (`NOTIFY galley_head, '<head>'`).
    static let notificationChannel = "galley_head"

    public let url: PostgresURL
    let client: PostgresClient
    let committer: PostgresCommitter
    let logger: Logger
    /// Threads that may block on PostgreSQL for the synchronous applier and revert planner: the
    /// store's own, so a busy store never waits behind NIO's shared singleton pool (2 threads on
    /// this machine, also used by every other store and NIO's file I/O in the process).
    let blockingThreads: NIOThreadPool
    private let runTask: Task<Void, Never>
    private let pollInterval: Duration

    /// Connects to `url` and checks that the database was migrated to exactly the schema this
    /// binary knows: an unmigrated database is refused (run `galleyd migrate`), and so is one a
    /// newer galleyd migrated.
    public init(
        url: PostgresURL,
        maximumCommitBatch: Int = PostgresStore.defaultMaximumCommitBatch,
        pollInterval: Duration = PostgresStore.defaultPollInterval,
        maximumConnections: Int = PostgresStore.defaultMaximumConnections,
        logger: Logger
    ) async throws {
        self.url = url
        self.logger = logger
        self.pollInterval = pollInterval
        var configuration = url.clientConfiguration()
        configuration.options.maximumConnections = max(1, maximumConnections)
        configuration.options.minimumConnections = min(2, configuration.options.maximumConnections)
        let client = PostgresClient(configuration: configuration, backgroundLogger: logger)
        self.client = client
        // PostgresClient serves queries only while run() runs: start it first.
        self.runTask = Task { await client.run() }
        await Task.yield()
        let blockingThreads = NIOThreadPool(numberOfThreads: 2)
        blockingThreads.start()
        self.blockingThreads = blockingThreads
        self.committer = PostgresCommitter(client: client, threads: blockingThreads, maximumBatch: maximumCommitBatch, logger: logger)
        do {
            try await PostgresMigrator.checkSchema(client: client, logger: logger)
            if self.committer.usesPlainSequence {
                let head = try await self.head()
                try await client.query(PostgresQuery(unsafeSQL: "CREATE SEQUENCE IF NOT EXISTS galley_test_plain_seq START \(head + 1)"), logger: logger)
                logger.warning("GALLEY_TEST_PLAIN_SEQUENCE: seq comes from a plain sequence (the multi-instance test's control); readers can miss changesets")
            }
        } catch {
            self.runTask.cancel()
            try? await blockingThreads.shutdownGracefully()
            throw Self.storeError(error, url: url)
        }
        // Other instances learn of this instance's commits from NOTIFY: sent after COMMIT (a
        // hint only; subscribers poll the head as well).
        let notifyClient = client
        let notifyLogger = logger
        self.committer.headObserver.withLockedValue { observer in
            observer = { head in
                Task {
                    _ = try? await notifyClient.query(
                        PostgresQuery(unsafeSQL: "SELECT pg_notify('\(Self.notificationChannel)', $1)", binds: PostgresEntityRows.bindings(["\(head)"])),
                        logger: notifyLogger
                    )
                }
            }
        }
    }

    /// A connection failure or a refused schema in words an operator can act on.
    static func storeError(_ error: any Error, url: PostgresURL) -> any Error {
        if error is StoreError { return error }
        return StoreError.unusable("cannot use the PostgreSQL database \(url): \(PostgresCommitter.describe(error))")
    }

    public func head() async throws -> Int64 {
        try await self.value("SELECT v FROM seq_counter WHERE id = 1", column: "v") ?? 0
    }

    public func createToken(name: String, role: Role, hash: [UInt8], createdBy: String?, expiresAt: String?) async throws {
        let hex = Self.hex(hash)
        let now = Timestamp.now()
        do {
            try await self.client.query(
                """
                INSERT INTO token (hash, name, role, created_at, created_by, expires_at)
                VALUES (\(hex), \(name), \(role.rawValue), \(now), \(createdBy), \(expiresAt))
                """,
                logger: self.logger
            )
        } catch let error as PSQLError where error.serverInfo?[.sqlState] == "23505" {
            throw StoreError.tokenNameTaken(name)
        }
    }

    public func listTokens() async throws -> [TokenRecord] {
        try await self.rows("SELECT name, role, created_at, created_by, expires_at, last_used_at FROM token WHERE revoked_at IS NULL ORDER BY created_at, name").map { row in
            TokenRecord(
                name: try row.get("name"),
                role: Role(rawValue: try row.get("role")) ?? .reader,
                createdAt: try row.get("created_at"),
                createdBy: try row.get("created_by"),
                expiresAt: try row.get("expires_at"),
                lastUsedAt: try row.get("last_used_at")
            )
        }
    }

    public func revokeToken(name: String) async throws -> Bool {
        let rows = try await self.rows("UPDATE token SET revoked_at = \(Timestamp.now()) WHERE name = \(name) AND revoked_at IS NULL RETURNING name")
        return !rows.isEmpty
    }

    public func authenticate(tokenHash: [UInt8]) async throws -> Principal? {
        let now = Timestamp.now()
        let hex = Self.hex(tokenHash)
        guard
            let row = try await self.rows(
                """
                UPDATE token SET last_used_at = \(now)
                WHERE hash = \(hex) AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > \(now))
                RETURNING name, role
                """
            ).first,
            let role = Role(rawValue: try row.get("role"))
        else { return nil }
        return Principal(name: try row.get("name"), role: role)
    }

    public func liveTokenCount() async throws -> Int {
        try await self.value("SELECT count(*) AS n FROM token WHERE revoked_at IS NULL", column: "n", as: Int.self) ?? 0
    }

    public func observeCommitBatches(_ observer: @escaping @Sendable (Int) -> Void) {
        self.committer.batchObserver.withLockedValue { $0 = observer }
    }

    /// Other galleyd instances commit to the same database: this one cannot see every change.
    public func observeEntityChanges(_ observer: any EntityChangeObserver) -> Bool { false }

    public func close() async throws {
        self.runTask.cancel()
        await self.runTask.value
        try await self.blockingThreads.shutdownGracefully()
    }

    /// Calls `onHead` with the head whenever another instance may have committed: on every
    /// `NOTIFY galley_head` heard on one dedicated listening connection, after every
    /// (re)connection of it (a notification sent while it was down is lost), and every
    /// `pollInterval` as a safety net. Returns when the calling task is cancelled.
    /// On an engine without LISTEN (some Postgres-wire distributed databases), polling alone,
    /// this often, carries notifications across instances.
    public static let pollIntervalWithoutListen: Duration = .milliseconds(250)

    public func watchHead(_ onHead: @escaping @Sendable (Int64) -> Void) async {
        let listenUnsupported = ListenSupport()
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.listen(onHead, unsupported: listenUnsupported) }
            group.addTask {
                while !Task.isCancelled {
                    let interval = listenUnsupported.isUnsupported ? min(self.pollInterval, Self.pollIntervalWithoutListen) : self.pollInterval
                    try? await Task.sleep(for: interval)
                    if let head = try? await self.head() { onHead(head) }
                }
            }
            await group.waitForAll()
        }
    }

    private func listen(_ onHead: @escaping @Sendable (Int64) -> Void, unsupported: ListenSupport) async {
        var delay: Duration = .milliseconds(100)
        while !Task.isCancelled {
            do {
                let connection = try await PostgresConnection.connect(
                    configuration: try self.url.connectionConfiguration(),
                    id: Int.random(in: 1...Int.max),
                    logger: self.logger
                )
                defer { Task { try? await connection.close() } }
                try await connection.listen(on: Self.notificationChannel) { notifications in
                    // Anything committed while this connection was not listening.
                    if let head = try? await self.head() { onHead(head) }
                    delay = .milliseconds(100)
                    for try await notification in notifications {
                        if let head = Int64(notification.payload) { onHead(head) }
                    }
                }
            } catch let error as PSQLError where error.serverInfo?[.sqlState] == "0A000" {
                // feature_not_supported: this engine has no LISTEN; polling takes over.
                self.logger.notice("the database does not support LISTEN; polling the head every 250 ms instead")
                unsupported.markUnsupported()
                return
            } catch {
                if Task.isCancelled { return }
                self.logger.warning("the PostgreSQL notification listener lost its connection; reconnecting", metadata: ["error": "\(PostgresCommitter.describe(error))"])
            }
            try? await Task.sleep(for: delay)
            delay = min(delay * 2, .seconds(5))
        }
    }

    // MARK: Query helpers

    func rows(_ query: PostgresQuery) async throws -> [PostgresRandomAccessRow] {
        try await self.client.query(query, logger: self.logger).collect().map { $0.makeRandomAccess() }
    }

    func value<T: PostgresDecodable>(_ query: PostgresQuery, column: String, as type: T.Type = T.self) async throws -> T? {
        try await self.rows(query).first?.get(column, as: T.self)
    }

    /// Runs `body` in one read-only REPEATABLE READ transaction: every statement sees the same
    /// committed state.
    func snapshot<T: Sendable>(_ body: @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await self.client.withConnection { connection in
            try await connection.query("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", logger: self.logger)
            do {
                let value = try await body(connection)
                try await connection.query("COMMIT", logger: self.logger)
                return value
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: self.logger)
                throw error
            }
        }
    }

    /// Runs `body` with a connection on a thread that may block, for code written against the
    /// synchronous ``ContentReader`` (the revert planner).
    func blocking<T: Sendable>(_ body: @escaping @Sendable (BlockingConnection) throws -> T) async throws -> T {
        let logger = self.logger
        return try await self.client.withConnection { connection in
            try await self.blockingThreads.runIfActive {
                let blocking = BlockingConnection(connection: connection, logger: logger)
                try blocking.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
                defer { try? blocking.execute("COMMIT") }
                return try body(blocking)
            }
        }
    }

    static func hex(_ bytes: [UInt8]) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }
}

extension PostgresConnection {
    func rows(_ query: PostgresQuery, logger: Logger) async throws -> [PostgresRandomAccessRow] {
        try await self.query(query, logger: logger).collect().map { $0.makeRandomAccess() }
    }
}

/// Whether the database turned LISTEN down (then the head is polled often instead).
final class ListenSupport: Sendable {
    private let unsupported = NIOLockedValueBox(false)

    var isUnsupported: Bool { self.unsupported.withLockedValue { $0 } }

    func markUnsupported() { self.unsupported.withLockedValue { $0 = true } }
}
