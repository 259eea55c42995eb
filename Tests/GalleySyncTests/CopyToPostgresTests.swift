import Foundation
import GalleyClient
import GalleyModel
import GalleyPostgres
import GalleyStore
import GalleyTestSupport
import JSONRPC
import Testing

@testable import GalleySync

/// Moving up from SQLite to PostgreSQL with `galleyd copy` (PostgresCopier): a replica cloned
/// from the SQLite server keeps pulling from the PostgreSQL one with its old cursor.
@Suite(.enabled(if: TestServer.usesPostgres, "needs a PostgreSQL server: set GALLEY_TEST_POSTGRES (.ci/run starts one)"))
struct CopyToPostgresTests {
    @Test func aReplicaClonedBeforeACopyKeepsPullingFromPostgresWithoutANewSnapshot() async throws {
        let logger = TestServer.quietLogger
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        let replicaParent = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(replicaParent) }
        let kept = UUID().uuidString.lowercased()
        let edited = UUID().uuidString.lowercased()
        let deleted = UUID().uuidString.lowercased()

        // History on SQLite, a replica that has pulled part of it, then more history.
        let replica = try await TestServer.with(store: try SQLiteStore(directory: directory, logger: logger), dataDirectory: directory) { server in
            let client = try await server.client()
            try await client.commit([Fixtures.article("Kept", id: kept), Fixtures.article("Edited", id: edited), Fixtures.article("Deleted", id: deleted)])
            try await client.commit([Ops.update("article", edited, base: 1, set: ["headline": "Edited once"])])
            let replica = try Replica.create(at: "\(replicaParent)/replica", server: server.address, token: server.adminToken, saveToken: true)
            let pulled = try await Fixtures.pull(replica)
            #expect(pulled.complete)
            try await client.commit([Ops.update("article", edited, base: 2, set: ["headline": "Edited twice"])])
            try await client.commit([Ops.delete("article", deleted, base: 1)])
            await client.close()
            return replica
        }
        let cursorBefore = try replica.position().cursor

        // The copy, verified table by table.
        let base = try #require(TestServer.postgres)
        let name = "galley_copy_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased())"
        let url = try await PostgresDatabases.create(name, on: base, logger: logger)
        defer { Task { try? await PostgresDatabases.drop(name, on: base, logger: logger) } }
        try await PostgresMigrator.migrate(url: url, logger: logger)
        let source = try SQLiteStore(directory: directory, logger: logger)
        let target = try await PostgresStore(url: url, maximumConnections: 4, logger: logger)
        let report = try await PostgresCopier.copy(from: source, to: target, logger: logger)
        try await source.close()
        #expect(report.head == 4)
        #expect(report.tables.map(\.name) == ["token", "changeset", "entity", "entity_version"])
        #expect(report.tables.first { $0.name == "changeset" }?.rows == 4)
        #expect(report.tables.first { $0.name == "entity_version" }?.rows == 6)

        // A second copy into the same database is refused: it is no longer empty.
        let again = try SQLiteStore(directory: directory, logger: logger)
        await #expect(throws: StoreError.self) { try await PostgresCopier.copy(from: again, to: target, logger: logger) }
        try await again.close()

        // The same data directory (its admin token) now on PostgreSQL: the replica pulls on from
        // its old cursor, through the copied history and a commit made after the copy.
        try await TestServer.with(store: target, dataDirectory: directory) { server in
            let client = try await server.client()
            #expect(try await client.call("server.info")["storage"] == "postgres")
            try await client.commit([Ops.update("article", kept, base: 1, set: ["headline": "Kept, edited on PostgreSQL"])])
            let session = ReplicaSync(replica: replica, client: try await server.client())
            let pulled = try await session.pull()
            await session.client.close()
            #expect(pulled.complete)
            #expect(!pulled.restartedSnapshot)
            #expect(pulled.consistentAt == 5)
            #expect(cursorBefore?.hasPrefix("l.") == true)
            try await Fixtures.expectSameContent(replica, server)
            #expect(try replica.entity(edited)?.data["headline"] == "Edited twice")
            #expect(try replica.entity(deleted)?.deleted ?? true)
            // Search was rebuilt from the copied entities.
            let found = try await client.call("article.list", ["q": "twice"])
            #expect(found["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } == [edited])
            await client.close()
        }
    }
}
