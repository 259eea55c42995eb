import ArgumentParser
import Foundation
import GalleyPostgres
import GalleyStore
import Logging

/// `galleyd migrate --database postgres://...`: brings a PostgreSQL database to this binary's
/// schema, once, before any instance serves it (instances refuse an unmigrated database, so N
/// instances starting together never race to migrate). SQLite data directories migrate when
/// galleyd opens them and need no such step.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply the schema migrations to a PostgreSQL database.",
        discussion: "Example: galleyd migrate --database postgres://galley:secret@db:5432/galley"
    )

    @Option(name: .long, help: "The PostgreSQL database: postgres://USER:PASSWORD@HOST:PORT/DB (env GALLEY_DATABASE).")
    var database: String = Environment.value("GALLEY_DATABASE") ?? ""

    @OptionGroup var logging: LoggingOptions

    func run() async throws {
        guard !self.database.isEmpty else {
            throw ValidationError("galleyd migrate needs --database postgres://... (SQLite data directories migrate when opened)")
        }
        let url: PostgresURL
        do { url = try PostgresURL(self.database) } catch { throw ValidationError("\(error)") }
        let logger = self.logging.bootstrap()
        do {
            let applied = try await PostgresMigrator.migrate(url: url, logger: logger)
            print(applied.isEmpty ? "\(url): up to date" : "\(url): applied \(applied.joined(separator: ", "))")
        } catch let error as StoreError {
            FileHandle.standardError.write(Data("galleyd: \(error)\n".utf8))
            throw ExitCode(1)
        }
    }
}
