import Foundation
import GalleyModel
import GalleyStore
import Logging
import PostgresNIO

/// Applies `Migrations/postgres/NNNN_name.sql` (embedded in the binary) once each, for
/// `galleyd migrate`: a separate step, so N instances starting together never race to migrate.
/// Each migration runs in its own transaction together with the row that records it. Two
/// `migrate` runs at once serialise on a row lock (`galley_migration_lock`, `SELECT ... FOR
/// UPDATE`), not an advisory lock, which Postgres-wire distributed engines lack.
public enum PostgresMigrator {
    /// The migrations this binary knows, in order.
    public static var known: [(name: String, sql: String)] { EmbeddedPostgresMigrations.postgres }

    /// Applies every pending migration; returns the names applied now.
    @discardableResult
    public static func migrate(url: PostgresURL, logger: Logger) async throws -> [String] {
        let connection: PostgresConnection
        do {
            connection = try await PostgresConnection.connect(configuration: try url.connectionConfiguration(), id: 1, logger: logger)
        } catch {
            throw PostgresStore.storeError(error, url: url)
        }
        defer { Task { try? await connection.close() } }
        do {
            try await Self.createBookkeeping(connection, logger: logger)
            var applied: [String] = []
            for migration in Self.known {
                try await connection.query("BEGIN", logger: logger)
                do {
                    _ = try await connection.rows("SELECT id FROM galley_migration_lock WHERE id = 1 FOR UPDATE", logger: logger)
                    let done = try await connection.rows("SELECT name FROM galley_migration WHERE name = \(migration.name)", logger: logger)
                    if done.isEmpty {
                        for statement in Self.statements(migration.sql) {
                            try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                        }
                        try await connection.query("INSERT INTO galley_migration (name, applied_at) VALUES (\(migration.name), \(Timestamp.now()))", logger: logger)
                        applied.append(migration.name)
                    }
                    try await connection.query("COMMIT", logger: logger)
                } catch {
                    _ = try? await connection.query("ROLLBACK", logger: logger)
                    throw error
                }
            }
            try await Self.refuseUnknown(try await Self.appliedNames(connection, logger: logger))
            if !applied.isEmpty { logger.info("applied migrations", metadata: ["migrations": "\(applied.joined(separator: ", "))"]) }
            return applied
        } catch {
            throw PostgresStore.storeError(error, url: url)
        }
    }

    /// A migration file's statements. PostgresNIO speaks only the extended protocol, which takes
    /// one statement at a time, so the file is split at each `;` outside quotes and `--`
    /// comments. (Migrations must not use dollar quoting, which this does not parse.)
    static func statements(_ sql: String) -> [String] {
        var statements: [String] = []
        var current = ""
        var inQuote = false
        var inComment = false
        var previous: Character = " "
        for character in sql {
            if inComment {
                if character == "\n" { inComment = false; current.append(character) }
                previous = character
                continue
            }
            if !inQuote && character == "-" && previous == "-" {
                current.removeLast()
                inComment = true
                continue
            }
            if character == "'" { inQuote.toggle() }
            if character == ";" && !inQuote {
                let statement = current.trimmingCharacters(in: .whitespacesAndNewlines)
                if !statement.isEmpty { statements.append(statement) }
                current = ""
            } else {
                current.append(character)
            }
            previous = character
        }
        let rest = current.trimmingCharacters(in: .whitespacesAndNewlines)
        if !rest.isEmpty { statements.append(rest) }
        return statements
    }

    /// The bookkeeping tables, made idempotently. Two runs racing on CREATE TABLE IF NOT EXISTS
    /// can still collide in the catalog, as a unique violation (23505) or as the table's row type
    /// already existing (42710, seen in CI): the loser tries again.
    private static func createBookkeeping(_ connection: PostgresConnection, logger: Logger) async throws {
        for attempt in 1...5 {
            do {
                try await connection.query("CREATE TABLE IF NOT EXISTS galley_migration (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)", logger: logger)
                try await connection.query("CREATE TABLE IF NOT EXISTS galley_migration_lock (id INTEGER PRIMARY KEY)", logger: logger)
                try await connection.query("INSERT INTO galley_migration_lock (id) VALUES (1) ON CONFLICT DO NOTHING", logger: logger)
                return
            } catch let error as PSQLError where attempt < 5 && ["23505", "42710"].contains(error.serverInfo?[.sqlState]) {
                try await Task.sleep(for: .milliseconds(50 * attempt))
            }
        }
    }

    private static func appliedNames(_ connection: PostgresConnection, logger: Logger) async throws -> Set<String> {
        Set(try await connection.rows("SELECT name FROM galley_migration", logger: logger).map { try $0.get("name", as: String.self) })
    }

    private static func refuseUnknown(_ applied: Set<String>) async throws {
        let unknown = applied.subtracting(Self.known.map(\.name)).sorted()
        guard unknown.isEmpty else { throw StoreError.schemaTooNew(unknownMigrations: unknown) }
    }

    /// What `serve` checks before it starts: the database holds exactly the migrations this
    /// binary knows. Nothing is written.
    static func checkSchema(client: PostgresClient, logger: Logger) async throws {
        let exists = try await client.query("SELECT to_regclass('galley_migration') IS NOT NULL AS present", logger: logger)
            .collect().first?.makeRandomAccess().get("present", as: Bool.self) ?? false
        let applied: Set<String> =
            exists
            ? Set(try await client.query("SELECT name FROM galley_migration", logger: logger).collect().map { try $0.makeRandomAccess().get("name", as: String.self) })
            : []
        try await Self.refuseUnknown(applied)
        let pending = Self.known.map(\.name).filter { !applied.contains($0) }
        guard pending.isEmpty else {
            throw StoreError.unusable(
                "the database is not migrated to this galleyd's schema (pending: \(pending.joined(separator: ", "))); run `galleyd migrate --database URL` first"
            )
        }
    }
}
