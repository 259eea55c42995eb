import Foundation
import GRDB
import GalleyClient
import GalleyStore
import GalleyTestSupport
import JSONRPC
import JSONRPCTransport
import Testing

/// The embedded store's promises about its files and schema.
@Suite struct StoreTests {
    @Test func newDatabaseIsWALWithForeignKeysAndFullSync() async throws {
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        let store = try SQLiteStore(directory: directory, logger: TestServer.quietLogger)
        #expect(try await store.head() == 0)
        // The connection that commits syncs every commit (GRDB's pool would leave it at NORMAL).
        #expect(try store.writerSynchronousSetting() == 2)
        try await store.close()
        let queue = try DatabaseQueue(path: directory + "/galley.sqlite")
        let mode = try await queue.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test func databaseFromANewerGalleydIsRefusedUntouched() async throws {
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        try await SQLiteStore(directory: directory, logger: TestServer.quietLogger).close()
        let queue = try DatabaseQueue(path: directory + "/galley.sqlite")
        try await queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('9999_from_the_future')") }
        try queue.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: directory + "/galley.sqlite"))
        #expect(throws: StoreError.schemaTooNew(unknownMigrations: ["9999_from_the_future"])) {
            try SQLiteStore(directory: directory, logger: TestServer.quietLogger)
        }
        let after = try Data(contentsOf: URL(fileURLWithPath: directory + "/galley.sqlite"))
        #expect(before == after)
    }

    @Test func embeddedMigrationsMatchTheSQLFiles() throws {
        let folder = SharedFolder.repositoryRoot.appendingPathComponent("Migrations/server")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        let embedded = SQLiteStore.embeddedServerMigrations
        #expect(embedded.map(\.name) == files.map { String($0.dropLast(4)) })
        for (migration, file) in zip(embedded, files) {
            #expect(migration.sql == (try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)), "\(file): run scripts/embed-resources")
        }
    }
}
