import Foundation
import GRDB
import GalleyModel
import JSONRPC
import JSONRPCTransport

/// A replica: one directory whose `.galley/` holds a SQLite copy of a server's content (the
/// local view, the last known server state of edited entities, the outbox of local edits and the
/// open conflicts) and its settings. Every method that writes runs in one SQLite transaction
/// (WAL, `synchronous=FULL`), so a process killed at any moment leaves a consistent replica.
public struct Replica: Sendable {
    /// The replica's directory (the one holding `.galley/`).
    public let directory: String
    /// The server this replica mirrors.
    public private(set) var settings: ReplicaSettings
    let pool: DatabasePool

    /// Replaces this replica's database with a copy of `template`'s (SQLite's online backup, while
    /// both stay open): the sync page fuzzer resets its replica this way after every page it
    /// accepted, instead of copying files and reopening.
    package func replaceContents(with template: Replica) throws {
        try template.pool.backup(to: self.pool)
    }

    /// `DIR/.galley`.
    public static func metadataDirectory(_ directory: String) -> String { (directory as NSString).appendingPathComponent(".galley") }
    static func databasePath(_ directory: String) -> String { (metadataDirectory(directory) as NSString).appendingPathComponent("replica.sqlite") }
    static func settingsPath(_ directory: String) -> String { (metadataDirectory(directory) as NSString).appendingPathComponent("settings.json") }
    static func tokenPath(_ directory: String) -> String { (metadataDirectory(directory) as NSString).appendingPathComponent("token") }

    /// The database file, for people who want to look inside with `sqlite3`.
    public var databasePath: String { Self.databasePath(self.directory) }

    /// Makes `directory` a replica of `server` (creating the directory when absent), or reopens it
    /// when it already is one of the same server (so an interrupted clone resumes). The token is
    /// saved with mode 0600 when `saveToken`.
    public static func create(at directory: String, server: String, token: String?, saveToken: Bool) throws -> Replica {
        let absolute = Self.absolute(directory)
        var settings = ReplicaSettings(server: server)
        if FileManager.default.fileExists(atPath: Self.settingsPath(absolute)) {
            let existing = try ReplicaSettings.read(from: Self.settingsPath(absolute))
            guard existing.server == server else {
                throw ReplicaError.alreadyExists("\(absolute) is already a replica of \(existing.server), not \(server)")
            }
            settings = existing  // a resumed clone keeps the certificate pin it saw first
        } else if FileManager.default.fileExists(atPath: absolute),
            let contents = try? FileManager.default.contentsOfDirectory(atPath: absolute), !contents.isEmpty,
            contents != [".galley"]  // a clone killed before it wrote its settings: start over in it
        {
            throw ReplicaError.alreadyExists("\(absolute) exists and is not empty; clone into a new or empty directory")
        }
        do {
            try FileManager.default.createDirectory(atPath: Self.metadataDirectory(absolute), withIntermediateDirectories: true)
        } catch {
            throw ReplicaError.unusable("cannot create \(Self.metadataDirectory(absolute)): \(error.localizedDescription)")
        }
        let replica = try Replica(directory: absolute, settings: settings)
        if let token, saveToken { try replica.saveToken(token) }
        // Settings last: their presence marks a directory as a replica.
        try replica.settings.write(to: Self.settingsPath(absolute))
        return replica
    }

    /// Opens the replica in `directory` (the directory holding `.galley/`).
    public static func open(at directory: String) throws -> Replica {
        let absolute = Self.absolute(directory)
        guard FileManager.default.fileExists(atPath: Self.settingsPath(absolute)) else { throw ReplicaError.notAReplica(absolute) }
        return try Replica(directory: absolute, settings: try ReplicaSettings.read(from: Self.settingsPath(absolute)))
    }

    /// Saves `pin` as the certificate the server must present from now on and returns the
    /// replica with the new settings.
    public func rememberingTLSPin(_ pin: CertificatePin) throws -> Replica {
        var settings = try ReplicaSettings.read(from: Self.settingsPath(self.directory))
        settings.tlsPin = pin
        try settings.write(to: Self.settingsPath(self.directory))
        var replica = self
        replica.settings = settings
        return replica
    }

    /// The settings as saved now (another command may have saved a pin since this value was made).
    func currentSettings() -> ReplicaSettings {
        (try? ReplicaSettings.read(from: Self.settingsPath(self.directory))) ?? self.settings
    }

    /// The replica directory at or above `start`, found the way git finds its repository.
    public static func find(from start: String) -> String? {
        var current = URL(fileURLWithPath: Self.absolute(start)).standardizedFileURL
        for _ in 0..<256 {
            if FileManager.default.fileExists(atPath: Self.settingsPath(current.path)) { return current.path }
            let parent = current.deletingLastPathComponent()
            if parent.path == current.path { return nil }
            current = parent
        }
        return nil
    }

    private init(directory: String, settings: ReplicaSettings) throws {
        self.directory = directory
        self.settings = settings
        let path = Self.databasePath(directory)
        if FileManager.default.fileExists(atPath: path) { try Self.refuseNewerSchema(at: path) }
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // 16 KiB pages for a new replica (an existing one keeps its size: this only takes
            // before the first table). Most of a replica is 6-10 KB article documents: on 4 KiB
            // pages each spilled onto overflow pages, and a clone wrote four times the pages
            // through the WAL, two system calls a frame (BENCHMARKS.md, "Documents through the
            // sync feed as text").
            try db.execute(sql: "PRAGMA page_size = 16384")
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            self.pool = try DatabasePool(path: path, configuration: configuration)
            // GRDB's DatabasePool sets `synchronous = NORMAL` on its writer when it turns WAL on,
            // after `prepareDatabase` ran: set FULL again on the writer (the connection that
            // commits edits and pulled pages), or a local edit galley reported saved could be
            // lost to a power cut. The server's store had the same fix (its power-loss test).
            try self.pool.writeWithoutTransaction { db in
                try db.execute(sql: "PRAGMA synchronous = FULL")
                // 32 MiB of page cache for the writer (SQLite's default is 2 MB): a clone of
                // 100,000 articles inserts ~440,000 rows, and with the default most index pages
                // came back through `pread`. Measured on that clone: 16.2 to 14.5 s (medians),
                // peak memory 97 to 129 MB; no change at 20,000 articles.
                try db.execute(sql: "PRAGMA cache_size = -32768")
            }
            try Self.makeMigrator().migrate(self.pool)
        } catch let error as ReplicaError {
            throw error
        } catch {
            throw ReplicaError.unusable("cannot open the replica database \(path): \(error)")
        }
    }

    /// The writer connection's `PRAGMA synchronous` (0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA).
    func writerSynchronousSetting() throws -> Int {
        try self.pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? -1 }
    }

    static func makeMigrator() -> DatabaseMigrator {
        var migrator = DatabaseMigrator()
        for migration in EmbeddedReplicaMigrations.replica {
            migrator.registerMigration(migration.name) { db in try db.execute(sql: migration.sql) }
        }
        return migrator
    }

    private static func refuseNewerSchema(at path: String) throws {
        var configuration = Configuration()
        configuration.readonly = true
        let unknown: [String]
        do {
            let queue = try DatabaseQueue(path: path, configuration: configuration)
            defer { try? queue.close() }
            let applied = try queue.read { db in try Self.makeMigrator().appliedIdentifiers(db) }
            unknown = applied.subtracting(EmbeddedReplicaMigrations.replica.map(\.name)).sorted()
        } catch {
            throw ReplicaError.unusable("cannot read the replica database \(path): \(error)")
        }
        guard unknown.isEmpty else { throw ReplicaError.schemaTooNew(unknownMigrations: unknown) }
    }

    private static func absolute(_ path: String) -> String {
        if path.hasPrefix("/") { return (path as NSString).standardizingPath }
        return ((FileManager.default.currentDirectoryPath as NSString).appendingPathComponent(path) as NSString).standardizingPath
    }

    // MARK: - Token

    /// Saves the token in `.galley/token` with mode 0600.
    public func saveToken(_ token: String) throws {
        try SecretFile.writeAtomically(token + "\n", to: Self.tokenPath(self.directory), mode: 0o600)
    }

    /// The saved token, nil when none was saved.
    public func savedToken() -> String? {
        guard let text = try? String(contentsOfFile: Self.tokenPath(self.directory), encoding: .utf8) else { return nil }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return token.isEmpty ? nil : token
    }

    /// Closes the database (the replica may not be used afterwards).
    public func close() throws {
        try self.pool.close()
    }

    // MARK: - Checks

    /// `PRAGMA integrity_check`: "ok" for a sound database.
    public func integrityCheck() throws -> String {
        try self.pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "\n") }
    }
}
