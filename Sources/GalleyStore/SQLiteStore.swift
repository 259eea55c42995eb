import Foundation
import GRDB
import GalleyModel
import Logging
import NIOConcurrencyHelpers

/// The embedded store: one SQLite database in WAL mode (concurrent readers, one writer), foreign
/// keys on, `synchronous=FULL` unless configured otherwise, migrated from the SQL files embedded
/// in the binary.
public struct SQLiteStore: GalleyStorage {
    /// SQLite's `synchronous` setting: `full` makes every acknowledged commit survive power loss.
    public enum Synchronous: String, Sendable, CaseIterable {
        case off = "OFF"
        case normal = "NORMAL"
        case full = "FULL"
        case extra = "EXTRA"
    }

    public var engineName: String { "sqlite" }

    /// Changesets grouped into one transaction unless configured otherwise.
    public static let defaultMaximumCommitBatch = 256

    /// The database file.
    public let databasePath: String
    let pool: DatabasePool
    let committer: ChangesetCommitter

    /// Opens (creating when absent) the database `galley.sqlite` in `directory` and applies the
    /// migrations this binary knows. A database migrated by a newer binary is refused untouched.
    ///   - maximumCommitBatch: changesets grouped into one transaction; 1 turns group commit off.
    public init(
        directory: String,
        synchronous: Synchronous = .full,
        maximumCommitBatch: Int = Self.defaultMaximumCommitBatch,
        logger: Logger
    ) throws {
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        } catch {
            throw StoreError.unusable("cannot create the data directory \(directory): \(error.localizedDescription)")
        }
        self.databasePath = (directory as NSString).appendingPathComponent("galley.sqlite")
        if FileManager.default.fileExists(atPath: self.databasePath) {
            try Self.refuseNewerSchema(at: self.databasePath)
        }
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.maximumReaderCount = 8
        configuration.prepareDatabase { db in
            // 16 KiB pages for a new database (an existing one keeps its size: this only takes
            // before the first table). A 6-10 KB document then sits on its version row's page
            // instead of a 4 KiB page and two overflow pages, each a WAL frame and a checkpoint
            // write of its own (BENCHMARKS.md, "Documents through the sync feed as text").
            try db.execute(sql: "PRAGMA page_size = 16384")
            try db.execute(sql: "PRAGMA synchronous = \(synchronous.rawValue)")
        }
        self.pool = try DatabasePool(path: self.databasePath, configuration: configuration)
        // GRDB's DatabasePool sets `synchronous = NORMAL` on its writer when it turns WAL on, after
        // `prepareDatabase` ran: set it again on the writer (the one connection that commits), or
        // acknowledged commits would not survive power loss. Found by the power-loss test
        // (Reliability/powerloss_test.py); `writerSynchronousSetting` pins it.
        try self.pool.writeWithoutTransaction { db in
            try db.execute(sql: "PRAGMA synchronous = \(synchronous.rawValue)")
            // The writer re-reads each edited entity's current version and the index pages around
            // it; with SQLite's default 2 MB page cache most of those came back through `pread`
            // (~60 KB a changeset). Readers keep the default: hot reads are served from memory.
            try db.execute(sql: "PRAGMA cache_size = -\(Self.writerCacheKiB)")
        }
        self.committer = ChangesetCommitter(pool: self.pool, maximumBatch: maximumCommitBatch)
        try Self.migrate(self.pool, logger: logger)
        // Each changeset of a group commit runs in its own savepoint, and SQLite keeps the
        // before-image of every page a savepoint touches in a sub-journal, a temporary file past
        // 64 KB: ~64 KB of `pwrite` per one-op changeset, most of the writer's system time
        // (galley-bench write, BENCHMARKS.md). In memory it costs no system calls; it is emptied
        // when the changeset's savepoint is released, and a crash loses nothing the WAL needs.
        // Only on the writer, and only after the migrations: a statement journal in memory grows
        // with what the statement rewrites, and a migration that rebuilds a table would hold a
        // copy of it (480 MB for a 300 MB database, measured), as would a reader's large sort.
        try self.pool.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA temp_store = MEMORY") }
    }

    /// The writer connection's page cache, in KiB (SQLite's default is 2,000).
    static let writerCacheKiB = 65_536

    /// The writer connection's `PRAGMA synchronous` (0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA).
    public func writerSynchronousSetting() throws -> Int {
        try self.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    /// The migrator for the embedded server migrations, in file order.
    static func makeMigrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in EmbeddedMigrations.server {
            migrator.registerMigration(migration.name) { db in
                try db.execute(sql: migration.sql)
            }
        }
        return migrator
    }

    /// Looks at an existing database through a read-only connection, so a database from a newer
    /// galleyd is refused before anything (even WAL setup) writes to it.
    private static func refuseNewerSchema(at path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: path, configuration: configuration)
        defer { try? queue.close() }
        let applied = try queue.read { db in try Self.makeMigrator().appliedIdentifiers(db) }
        let unknown = applied.subtracting(EmbeddedMigrations.server.map(\.name)).sorted()
        guard unknown.isEmpty else { throw StoreError.schemaTooNew(unknownMigrations: unknown) }
    }

    private static func migrate(_ pool: DatabasePool, logger: Logger) throws {
        let migrator = Self.makeMigrator()
        let known = Set(EmbeddedMigrations.server.map(\.name))
        let applied = try pool.read { db in try migrator.appliedIdentifiers(db) }
        let unknown = applied.subtracting(known).sorted()
        guard unknown.isEmpty else {
            throw StoreError.schemaTooNew(unknownMigrations: unknown)
        }
        let pending = EmbeddedMigrations.server.map(\.name).filter { !applied.contains($0) }
        if !pending.isEmpty {
            try migrator.migrate(pool)
            logger.info("applied migrations", metadata: ["migrations": "\(pending.joined(separator: ", "))"])
        }
    }

    public func head() async throws -> Int64 {
        try await self.pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT v FROM seq_counter WHERE id = 1") ?? 0
        }
    }

    public func createToken(name: String, role: Role, hash: [UInt8], createdBy: String?, expiresAt: String? = nil) async throws {
        try await self.pool.write { db in
            let taken = try Bool.fetchOne(
                db,
                sql: "SELECT EXISTS (SELECT 1 FROM token WHERE name = ? AND revoked_at IS NULL)",
                arguments: [name]
            ) ?? false
            if taken { throw StoreError.tokenNameTaken(name) }
            try db.execute(
                sql: "INSERT INTO token (name, role, hash, created_at, created_by, expires_at) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [name, role.rawValue, Data(hash), Timestamp.now(), createdBy, expiresAt]
            )
        }
    }

    public func listTokens() async throws -> [TokenRecord] {
        try await self.pool.read { db in
            let rows = try Row.fetchAll(
                db,
                sql: """
                    SELECT name, role, created_at, created_by, expires_at, last_used_at
                    FROM token WHERE revoked_at IS NULL ORDER BY id
                    """
            )
            return rows.map { row in
                TokenRecord(
                    name: row["name"],
                    role: Role(rawValue: row["role"]) ?? .reader,
                    createdAt: row["created_at"],
                    createdBy: row["created_by"],
                    expiresAt: row["expires_at"],
                    lastUsedAt: row["last_used_at"]
                )
            }
        }
    }

    public func revokeToken(name: String) async throws -> Bool {
        try await self.pool.write { db in
            try db.execute(
                sql: "UPDATE token SET revoked_at = ? WHERE name = ? AND revoked_at IS NULL",
                arguments: [Timestamp.now(), name]
            )
            return db.changesCount > 0
        }
    }

    public func authenticate(tokenHash: [UInt8]) async throws -> Principal? {
        let now = Timestamp.now()
        let found = try await self.pool.read { db -> (id: Int64, principal: Principal)? in
            guard
                let row = try Row.fetchOne(
                    db,
                    sql: """
                        SELECT id, name, role FROM token
                        WHERE hash = ? AND revoked_at IS NULL AND (expires_at IS NULL OR expires_at > ?)
                        """,
                    arguments: [Data(tokenHash), now]
                ), let role = Role(rawValue: row["role"])
            else { return nil }
            return (row["id"], Principal(name: row["name"], role: role))
        }
        guard let found else { return nil }
        let id = found.id
        try await self.pool.write { db in
            try db.execute(sql: "UPDATE token SET last_used_at = ? WHERE id = ?", arguments: [now, id])
        }
        return found.principal
    }

    public func liveTokenCount() async throws -> Int {
        try await self.pool.read { db in
            try Int.fetchOne(db, sql: "SELECT count(*) FROM token WHERE revoked_at IS NULL") ?? 0
        }
    }

    public func observeCommitBatches(_ observer: @escaping @Sendable (Int) -> Void) {
        self.committer.batchObserver.withLockedValue { $0 = observer }
    }

    /// Every content change goes through this process's committer: `galleyd serve` holds
    /// `DATA/galleyd.lock`, so no second server commits to the same database, and the other
    /// commands that open it (`token`, `backup`, `check`) write no content.
    public func observeEntityChanges(_ observer: any EntityChangeObserver) -> Bool {
        self.committer.changeObservers.withLockedValue { $0.append(observer) }
        return true
    }

    public func close() async throws {
        try self.pool.close()
    }
}

extension SQLiteStore {
    /// The migrations compiled into this binary (name, SQL), for tests and `galleyd` diagnostics.
    public static var embeddedServerMigrations: [(name: String, sql: String)] { EmbeddedMigrations.server }
}
