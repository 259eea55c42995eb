import Foundation
import GalleyModel
@testable import GalleyStore
import GalleyTestSupport
import JSONRPC
import Testing

/// The writer's cache of committed states: used only at the version the head names, bounded,
/// and never a source of states a transaction did not commit.
@Suite struct CommittedStateCacheTests {
    private static func article(_ id: String, version: Int, headline: String) -> EntityState {
        EntityState(
            type: .article, id: id, version: version, seq: Int64(version), deleted: false, data: ["headline": .string(headline)],
            createdAt: "2026-11-29T08:00:00Z", updatedAt: "2026-11-29T08:00:00Z", createdBy: "t", updatedBy: "t"
        )
    }

    @Test func answersOnlyForTheVersionTheHeadNames() {
        let cache = CommittedStateCache(capacity: 4)
        cache.remember([Self.article("a", version: 3, headline: "Three")])
        #expect(cache.state("a", version: 3)?.data["headline"] == "Three")
        #expect(cache.state("a", version: 4) == nil)
        #expect(cache.state("b", version: 3) == nil)
        cache.remember([Self.article("a", version: 4, headline: "Four")])
        #expect(cache.state("a", version: 3) == nil)
        #expect(cache.state("a", version: 4)?.data["headline"] == "Four")
    }

    @Test func keepsTheMostRecentlyUsedWhenFull() {
        let cache = CommittedStateCache(capacity: 8)
        cache.remember((0..<8).map { Self.article("e\($0)", version: 1, headline: "H") })
        _ = cache.state("e0", version: 1)  // used last: survives the eviction
        cache.remember([Self.article("new", version: 1, headline: "H")])
        #expect(cache.count <= 8)
        #expect(cache.state("e0", version: 1) != nil)
        #expect(cache.state("new", version: 1) != nil)
        #expect(cache.state("e1", version: 1) == nil)
    }

    /// Edits of one article that land in one group commit each see the one before (the cache
    /// holds the state before the batch; the head inside the transaction names a newer one), and
    /// a dry run or a refused changeset leaves nothing behind that a later edit could read.
    @Test func editsInOneBatchAndDryRunsReadTheRightState() async throws {
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        let store = try SQLiteStore(directory: directory, logger: TestServer.quietLogger)
        let id = "00000000-0000-7000-9000-000000000001"
        func submission(_ op: JSONValue, dryRun: Bool = false) throws -> ChangesetSubmission {
            ChangesetSubmission(
                id: UUID().uuidString.lowercased(), message: "m", ops: [try ChangesetOp.parse(op, index: 0).get()],
                submitted: ["ops": [op]], author: "t", dryRun: dryRun
            )
        }
        _ = try await store.commit(submission(["op": "create", "type": "article", "id": .string(id), "data": ["headline": "Start", "tags": []]]))
        _ = try await store.commit(submission(["op": "update", "type": "article", "id": .string(id), "set": ["headline": "Dry"]], dryRun: true))
        _ = try await store.commit(submission(["op": "update", "type": "article", "id": .string(id), "set": ["subheadline": "Real"]]))
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                let op: JSONValue = ["op": "update", "type": "article", "id": .string(id), "set": ["tags": [.string("t\(index)")]]]
                group.addTask { _ = try await store.commit(try submission(op)) }
            }
            try await group.waitForAll()
        }
        let refused: JSONValue = ["op": "update", "type": "article", "id": .string(id), "baseVersion": 1, "set": ["subheadline": "Stale"]]
        await #expect(throws: (any Error).self) { try await store.commit(try submission(refused)) }
        _ = try await store.commit(submission(["op": "update", "type": "article", "id": .string(id), "set": ["section": "world"]]))
        let final = try #require(try await store.entity(id, version: nil))
        #expect(final.version == 43)
        #expect(final.data["headline"] == "Start")
        #expect(final.data["subheadline"] == "Real")
        #expect(final.data["section"] == "world")
        #expect(try store.check().isEmpty)
        try await store.close()
    }
}
