import ArgumentParser
import Foundation
import GalleyPostgres
import GalleyStore
import Logging

/// Where the data lives and how durably it is written; shared by every command that opens it.
struct StorageOptions: ParsableArguments {
    @Option(name: .long, help: "The data directory (env GALLEY_DATA). With --database it holds only the first admin token.")
    var data: String = Environment.value("GALLEY_DATA") ?? "./galley-data"

    @Option(
        name: .long,
        help: "Use this PostgreSQL database instead of SQLite in --data: postgres://USER:PASSWORD@HOST:PORT/DB (env GALLEY_DATABASE). Run `galleyd migrate` on it first."
    )
    var database: String = Environment.value("GALLEY_DATABASE") ?? ""

    @Option(
        name: .long,
        help: "With --database: seconds between reads of the head that catch commits of other instances a lost notification missed (env GALLEY_POLL_INTERVAL)."
    )
    var pollInterval: Double = Environment.value("GALLEY_POLL_INTERVAL").flatMap { Double($0) } ?? 5

    /// The PostgreSQL database, when one is given.
    var postgresURL: PostgresURL? {
        get throws {
            guard !self.database.isEmpty else { return nil }
            do {
                return try PostgresURL(self.database)
            } catch {
                throw ValidationError("\(error)")
            }
        }
    }

    /// Opens the store these options name: PostgreSQL with --database, else SQLite in --data.
    func openStore(maximumCommitBatch: Int? = nil, logger: Logger) async throws -> any GalleyStorage {
        if let url = try self.postgresURL {
            // The data directory still holds the first admin token's file.
            do {
                try FileManager.default.createDirectory(atPath: self.data, withIntermediateDirectories: true)
            } catch {
                throw StoreError.unusable("cannot create the data directory \(self.data): \(error.localizedDescription)")
            }
            return try await PostgresStore(
                url: url,
                maximumCommitBatch: maximumCommitBatch ?? PostgresStore.defaultMaximumCommitBatch,
                pollInterval: .milliseconds(Int(self.pollInterval * 1000)),
                logger: logger
            )
        }
        return try SQLiteStore(
            directory: self.data,
            synchronous: try self.synchronousMode,
            maximumCommitBatch: maximumCommitBatch ?? SQLiteStore.defaultMaximumCommitBatch,
            logger: logger
        )
    }

    /// A command that works on the SQLite data directory only (backup, restore, check).
    func refuseDatabase(_ command: String) throws {
        if try self.postgresURL != nil {
            throw ValidationError("galleyd \(command) works on a SQLite data directory; for PostgreSQL use its own tools (pg_dump, pg_restore, amcheck)")
        }
    }

    @Option(
        name: .long,
        help: "SQLite synchronous mode: full (every acknowledged commit survives power loss), normal, off (env GALLEY_SYNCHRONOUS)."
    )
    var synchronous: String = Environment.value("GALLEY_SYNCHRONOUS") ?? "full"

    var synchronousMode: SQLiteStore.Synchronous {
        get throws {
            guard let mode = SQLiteStore.Synchronous(rawValue: self.synchronous.uppercased()) else {
                throw ValidationError("--synchronous must be one of off, normal, full, extra")
            }
            return mode
        }
    }

    func validate() throws {
        _ = try self.synchronousMode
        _ = try self.postgresURL
        guard self.pollInterval >= 0.05, self.pollInterval <= 3600 else {
            throw ValidationError("--poll-interval must be between 0.05 and 3600 seconds")
        }
    }
}
