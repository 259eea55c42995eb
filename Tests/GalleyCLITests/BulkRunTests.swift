import GalleyCLI
import GalleyModel
import JSONRPC
import NIOConcurrencyHelpers
import Testing

/// A backend in memory: lists a fixed set of drafts and records every commit.
final class RecordingBackend: ContentBackend {
    let location = "memory"
    let drafts: [JSONObject]
    let commits = NIOLockedValueBox<[ChangesetRequest]>([])

    init(drafts: Int) {
        self.drafts = (0..<drafts).map { index in
            ["id": .string(UUIDv5.make(namespace: UUIDv5.galleyNamespace, name: "article-\(index)")), "version": 1, "slug": .string("story-\(index)"), "status": "draft", "section": "world"]
        }
    }

    func articles(_ filter: ArticleFilter, cursor: String?) async throws -> Page {
        let start = Int(cursor ?? "0")!
        let end = min(start + filter.pageSize, self.drafts.count)
        return Page(items: Array(self.drafts[start..<end]), nextCursor: end < self.drafts.count ? String(end) : nil)
    }

    func commit(_ changeset: ChangesetRequest) async throws -> JSONObject {
        let seq = self.commits.withLockedValue { commits in
            commits.append(changeset)
            return commits.count
        }
        return ["seq": .number(JSONNumber(seq)), "id": .string(changeset.id), "results": .array(changeset.ops)]
    }

    func changeset(seq: Int?, id: String?) async throws -> JSONObject? {
        self.commits.withLockedValue { commits in commits.first { $0.id == id }.map { ["id": .string($0.id)] } }
    }

    func article(_ reference: String, version: Int?) async throws -> JSONObject { throw CLIError.server("not here") }
    func articleHistory(_ reference: String, cursor: String?) async throws -> Page { Page(items: [], nextCursor: nil) }
    func media(id: String, version: Int?) async throws -> JSONObject { throw CLIError.server("not here") }
    func mediaItems(_ filter: MediaFilter, cursor: String?) async throws -> Page { Page(items: [], nextCursor: nil) }
    func mediaUsage(id: String) async throws -> [JSONObject] { [] }
    func links(articleID: String, inbound: Bool) async throws -> [JSONObject] { [] }
    func changesets(_ filter: ChangesetFilter, cursor: String?) async throws -> Page { Page(items: [], nextCursor: nil) }
    func snapshot(cursor: String?) async throws -> SnapshotPage { SnapshotPage(items: [], nextCursor: nil, head: 0) }
    func revert(seq: Int, id: String, message: String?, force: Bool) async throws -> JSONObject { [:] }
    func close() async {}
}

/// Bulk runs past the 10,000-op limit, without a server.
struct BulkRunTests {
    @Test func moreThanTenThousandOpsSplitIntoNumberedChangesetsThatARerunSkips() async throws {
        let backend = RecordingBackend(drafts: 10_001)
        let selection = try BulkSelection.parse(type: .article, wheres: ["section=world", "status=draft"], query: nil, ids: nil)
        let run = BulkRun(backend: backend, selection: selection, action: .update(try FieldChanges.parse(assignments: ["status=published"], unset: [], type: .article)))
        let plan = try await run.plan()
        #expect(plan.matched == 10_001 && plan.ops.count == 10_001 && plan.samples.count == BulkRun.sampleSize)
        let runID = run.runID(message: "Publish world")
        #expect(runID == BulkRun(backend: backend, selection: selection, action: run.action).runID(message: "Publish world"))
        #expect(runID != run.runID(message: "Another message"))
        #expect(try await run.committedChunks(runID: runID) == 0)

        var chunks: [BulkChunk] = []
        try await run.commit(plan, message: "Publish world", runID: runID, alreadyCommitted: 0, dryRun: false) { chunks.append($0) }
        let commits = backend.commits.withLockedValue { $0 }
        #expect(commits.map(\.ops.count) == [10_000, 1])
        #expect(commits.allSatisfy { $0.message == "Publish world" && !$0.dryRun })
        #expect(commits.map(\.id) == [BulkRun.chunkID(runID: runID, number: 1), BulkRun.chunkID(runID: runID, number: 2)])
        #expect(chunks.map(\.number) == [1, 2])
        let op = try #require(commits[0].ops[0].objectValue)
        #expect(op["op"] == "update" && op["baseVersion"] == 1 && op["set"] == ["status": "published"])

        // A re-run of the same command finds both changesets by their derived ids; new work is numbered after them.
        #expect(try await run.committedChunks(runID: runID) == 2)
        try await run.commit(BulkPlan(matched: 1, unchanged: 0, ops: [commits[1].ops[0]], samples: []), message: "Publish world", runID: runID, alreadyCommitted: 2, dryRun: false) { _ in }
        #expect(backend.commits.withLockedValue { $0.last?.id } == BulkRun.chunkID(runID: runID, number: 3))
    }
}
