import Foundation
import GRDB
import GalleyClient
import GalleyModel
import GalleyTestSupport
import JSONRPC
import Testing

@testable import GalleySync

/// kill -9 of a real `galley` process in the middle of a clone or a push: the replica passes
/// `PRAGMA integrity_check`, the outbox is intact, and the next sync converges.
@Suite struct CrashSafetyTests {
    static let galley = BuiltProducts.executable("galley")

    /// Starts `galley` with `arguments` and kills it with SIGKILL once `ready` holds (bounded).
    private func killMidway(_ arguments: [String], directory: String? = nil, ready: () async throws -> Bool) async throws {
        let process = Process()
        process.executableURL = Self.galley
        process.arguments = arguments
        if let directory { process.currentDirectoryURL = URL(fileURLWithPath: directory) }
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.nullDevice
        try process.run()
        for _ in 0..<1000 where process.isRunning {
            if try await ready() { break }
            try await Task.sleep(for: .milliseconds(5))
        }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// Reads one value from a replica database through a separate read-only connection.
    private func peek(_ directory: String, _ sql: String) -> Int {
        var configuration = Configuration()
        configuration.readonly = true
        configuration.busyMode = .timeout(1)
        guard let queue = try? DatabaseQueue(path: directory + "/.galley/replica.sqlite", configuration: configuration) else { return 0 }
        defer { try? queue.close() }
        return (try? queue.read { db in try Int.fetchOne(db, sql: sql) }) ?? 0
    }

    @Test func aCloneKilledMidwayPassesIntegrityCheckAndResumes() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            try await client.commit((0..<1500).map { Fixtures.article("Story \($0)") })
            await client.close()
            let parent = try TemporaryDirectory.make()
            defer { TemporaryDirectory.remove(parent) }
            let directory = parent + "/clone"
            let arguments = ["clone", server.address, directory, "--token", server.adminToken, "--page-size", "10"]
            try await self.killMidway(arguments) {
                self.peek(directory, "SELECT pulled_entities FROM sync_state") >= 200
            }
            let replica = try Replica.open(at: directory)
            #expect(try replica.integrityCheck() == "ok")
            let position = try replica.position()
            #expect(position.consistentAt == nil, "killed before the snapshot finished")
            #expect(try replica.entities(.article).count == position.pulledEntities, "every saved page is whole, with its cursor")
            // Running the same command again resumes.
            let resumed = try await runCommand(Self.galley, arguments)
            #expect(resumed.status == 0, "\(resumed.stderr)")
            #expect(resumed.stdout.contains("Cloned 1500 entities"))
            try await Fixtures.expectSameContent(replica, server)
        }
    }

    @Test func aPushKilledMidwayLeavesAnIntactOutboxAndTheNextSyncConverges() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            try await Fixtures.withReplicas(1, of: server) { replicas in
                let replica = replicas[0]
                try await Fixtures.pull(replica)
                for index in 0..<300 { try replica.createArticle(["headline": .string("Offline story \(index)")], message: "edit \(index)") }
                let ids = Set(try replica.outbox().map(\.id))
                try await self.killMidway(["push"], directory: replica.directory) {
                    (try await client.call("server.info")["head"]?.intValue ?? 0) >= 40
                }
                #expect(try replica.integrityCheck() == "ok")
                let head = try #require(try await client.call("server.info")["head"]?.intValue)
                let left = try replica.outbox()
                // Every edit is either still queued or on the server (maybe both, in doubt).
                #expect(left.count + head >= 300)
                #expect(Set(left.map(\.id)).isSubset(of: ids))
                let (_, pushed) = try await Fixtures.sync(replica)
                #expect(pushed.rejected == 0 && pushed.conflicts == 0)
                #expect(try replica.outbox().isEmpty)
                #expect(try await client.call("server.info")["head"]?.intValue == 300, "nothing applied twice")
                #expect(try replica.entities(.article).count == 300)
                try await Fixtures.expectSameContent(replica, server)
            }
            await client.close()
        }
    }
}
