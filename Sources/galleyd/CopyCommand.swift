import ArgumentParser
import Foundation
import GalleyPostgres
import GalleyStore
import Logging

/// `galleyd copy --from DIR --to postgres://...`: moving up from the embedded store to
/// PostgreSQL, history, tokens and `seq` included, so sync clients keep their cursors.
struct CopyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "copy",
        abstract: "Copy a SQLite data directory into an empty, migrated PostgreSQL database and verify it.",
        discussion: """
            Copies every token, changeset (with its original seq), entity (tombstones included) and \
            version in one transaction, rebuilds the query tables, sets the changeset counter, then \
            compares row counts and a SHA-256 per table read back from PostgreSQL. Stop the SQLite \
            galleyd first (or copy from a `galleyd backup`): what it commits after the copy began \
            would not be copied. Replicas and sync clients keep pulling with their old cursors.

            Example: galleyd migrate --database postgres://galley:secret@db:5432/galley
                     galleyd copy --from ./galley-data --to postgres://galley:secret@db:5432/galley
            """
    )

    @Option(name: .long, help: "The SQLite data directory to copy.")
    var from: String

    @Option(name: .long, help: "The PostgreSQL database, migrated and empty: postgres://USER:PASSWORD@HOST:PORT/DB (env GALLEY_DATABASE).")
    var to: String = Environment.value("GALLEY_DATABASE") ?? ""

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        guard !self.to.isEmpty else { throw ValidationError("galleyd copy needs --to postgres://...") }
        let url: PostgresURL
        do { url = try PostgresURL(self.to) } catch { throw ValidationError("\(error)") }
        let database = (self.from as NSString).appendingPathComponent("galley.sqlite")
        guard FileManager.default.fileExists(atPath: database) else {
            throw ValidationError("\(self.from) holds no galley.sqlite: nothing to copy")
        }
        let logger = self.logging.bootstrap()
        do {
            let source = try SQLiteStore(directory: self.from, logger: logger)
            let target = try await PostgresStore(url: url, logger: logger)
            let started = ContinuousClock.now
            let report: CopyReport
            do {
                report = try await PostgresCopier.copy(from: source, to: target, logger: logger)
            } catch {
                try? await target.close()
                try? await source.close()
                throw error
            }
            try await target.close()
            try await source.close()
            for table in report.tables {
                print("\(table.name): \(table.rows) rows, sha256 \(table.checksum): ok")
            }
            print("copied \(self.from) to \(url) at seq \(report.head) in \(started.duration(to: .now)); verified")
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("galleyd: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
