import Foundation
import GalleyClient
import GalleyPostgres
import GalleyStore
import GalleyTestSupport
import JSONRPC
import JSONRPCTransport
import Logging
import PostgresNIO
import Testing

/// What the PostgreSQL store promises beyond the shared suite: several galleyd instances over one
/// database behave as one server. Each test makes its own database on the server named by
/// `GALLEY_TEST_POSTGRES`; two `PostgresStore`s on it are two instances.
@Suite(.enabled(if: TestServer.usesPostgres, "needs a PostgreSQL server: set GALLEY_TEST_POSTGRES (.ci/run starts one)"))
struct PostgresStoreTests {
    let logger = TestServer.quietLogger

    /// A new empty database, migrated unless told not to, dropped afterwards.
    func withDatabase<T: Sendable>(migrated: Bool = true, _ body: (PostgresURL) async throws -> T) async throws -> T {
        let base = try #require(TestServer.postgres)
        let name = "galley_pgtest_\(UUID().uuidString.replacingOccurrences(of: "-", with: "").prefix(12).lowercased())"
        let url = try await PostgresDatabases.create(name, on: base, logger: self.logger)
        do {
            if migrated { try await PostgresMigrator.migrate(url: url, logger: self.logger) }
            let result = try await body(url)
            try await PostgresDatabases.drop(name, on: base, logger: self.logger)
            return result
        } catch {
            try? await PostgresDatabases.drop(name, on: base, logger: self.logger)
            throw error
        }
    }

    /// Two galleyd instances (servers on their own stores) sharing `url`.
    func withTwoInstances(_ url: PostgresURL, _ body: @Sendable (TestServer, TestServer) async throws -> Void) async throws {
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        let first = try await PostgresStore(url: url, pollInterval: .seconds(1), maximumConnections: 4, logger: self.logger)
        let second = try await PostgresStore(url: url, pollInterval: .seconds(1), maximumConnections: 4, logger: self.logger)
        try await TestServer.with(store: first, dataDirectory: directory) { a in
            try await TestServer.with(store: second, dataDirectory: directory) { b in
                try await body(a, b)
            }
        }
    }

    @Test func theSameChangesetSentToTwoInstancesAtOnceAppliesOnce() async throws {
        try await self.withDatabase { url in
            try await self.withTwoInstances(url) { a, b in
                let clientA = try await a.client()
                let clientB = try await b.client()
                for round in 0..<20 {
                    let params: JSONObject = [
                        "id": .string(UUID().uuidString.lowercased()),
                        "message": .string("round \(round)"),
                        "ops": [Ops.createArticle(headline: "Story \(round)")],
                    ]
                    async let viaA = clientA.call("changeset.commit", params)
                    async let viaB = clientB.call("changeset.commit", params)
                    let (first, second) = try await (viaA, viaB)
                    #expect([first["replayed"], second["replayed"]].filter { $0 == false }.count == 1, "round \(round): exactly one applies")
                    #expect(first["seq"] == second["seq"])
                }
                #expect(try await clientA.call("server.info")["head"] == 20)
                #expect(try await clientB.call("article.list", ["limit": 100])["items"]?.arrayValue?.count == 20)
                await clientA.close()
                await clientB.close()
            }
        }
    }

    @Test func concurrentWritersOnTwoInstancesGetGaplessSeqInCommitOrder() async throws {
        try await self.withDatabase { url in
            try await self.withTwoInstances(url) { a, b in
                let seqs = try await withThrowingTaskGroup(of: [Int].self) { group in
                    for writer in 0..<8 {
                        let server = writer % 2 == 0 ? a : b
                        group.addTask {
                            let client = try await server.client()
                            var seqs: [Int] = []
                            for index in 0..<15 {
                                let record = try await client.commit([Ops.createArticle(headline: "Writer \(writer) story \(index)")])
                                seqs.append(try #require(record["seq"]?.intValue))
                            }
                            await client.close()
                            return seqs
                        }
                    }
                    return try await group.reduce(into: []) { $0 += $1 }
                }
                #expect(seqs.sorted() == Array(1...120))
                // The log, read in small pages through the other instance, holds every changeset once.
                let reader = try await b.client()
                var cursor: JSONValue = .null
                var seen: [Int] = []
                for _ in 0..<500 {
                    let page = try await reader.call("sync.pull", cursor == .null ? ["limit": 7] : ["cursor": cursor, "limit": 7])
                    seen += page["items"]?.arrayValue?.compactMap { $0["seq"]?.intValue } ?? []
                    cursor = try #require(page["cursor"])
                    if page["hasMore"] == false { break }
                }
                #expect(seen.sorted() == Array(1...120))
                await reader.close()
            }
        }
    }

    @Test func aSubscriberOnOneInstanceHearsACommitOnTheOther() async throws {
        try await self.withDatabase { url in
            try await self.withTwoInstances(url) { a, b in
                let watcher = try await b.client()
                #expect(try await watcher.call("sync.subscribe")["head"] == 0)
                let writer = try await a.client()
                try await writer.commit([Ops.createArticle(headline: "Committed on the other instance")])
                // Arrival only (bounded); the latency is a benchmark figure.
                let notification = await watcher.nextNotification(within: .seconds(15))
                #expect(notification?.method == "sync.changed")
                #expect(notification?.params["head"] == 1)
                await writer.close()
                await watcher.close()
            }
        }
    }

    @Test func migrateRunsOnceWhenStartedTwiceAtOnce() async throws {
        try await self.withDatabase(migrated: false) { url in
            async let first = PostgresMigrator.migrate(url: url, logger: self.logger)
            async let second = PostgresMigrator.migrate(url: url, logger: self.logger)
            let applied = try await [first, second]
            #expect(applied.flatMap { $0 }.sorted() == PostgresMigrator.known.map(\.name).sorted())
            #expect(try await PostgresMigrator.migrate(url: url, logger: self.logger).isEmpty)
            let store = try await PostgresStore(url: url, logger: self.logger)
            #expect(try await store.head() == 0)
            try await store.close()
        }
    }

    @Test func anUnmigratedDatabaseAndOneFromANewerGalleydAreRefused() async throws {
        try await self.withDatabase(migrated: false) { url in
            await #expect {
                try await PostgresStore(url: url, logger: self.logger)
            } throws: { error in
                "\(error)".contains("galleyd migrate")
            }
            try await PostgresMigrator.migrate(url: url, logger: self.logger)
            let connection = try await PostgresConnection.connect(configuration: try url.connectionConfiguration(), id: 1, logger: self.logger)
            try await connection.query("INSERT INTO galley_migration (name, applied_at) VALUES ('9999_from_the_future', 'now')", logger: self.logger)
            try await connection.close()
            await #expect(throws: StoreError.schemaTooNew(unknownMigrations: ["9999_from_the_future"])) {
                try await PostgresStore(url: url, logger: self.logger)
            }
            await #expect(throws: StoreError.schemaTooNew(unknownMigrations: ["9999_from_the_future"])) {
                try await PostgresMigrator.migrate(url: url, logger: self.logger)
            }
        }
    }
}
