import Foundation
import GalleyClient
import GalleyTestSupport
import JSONRPC
import JSONRPCTransport
import Testing

/// `sync.pull`: a snapshot at one head, then log pages each consistent at a changeset.
@Suite struct SyncPullTests {
    /// Pulls until `hasMore` is false, returning every page.
    private func pullAll(_ client: GalleyClient, from cursor: JSONValue = .null, limit: Int, between: (Int) async throws -> Void = { _ in }) async throws -> [JSONValue] {
        var pages: [JSONValue] = []
        var cursor = cursor
        for pageNumber in 0..<10_000 {
            var params: JSONObject = ["limit": .number(JSONNumber(limit))]
            if cursor != .null { params["cursor"] = cursor }
            let page = try await client.call("sync.pull", params)
            pages.append(page)
            cursor = page["cursor"] ?? .null
            try await between(pageNumber)
            if page["hasMore"] == false { break }
        }
        return pages
    }

    @Test func snapshotIsTakenAtOneHeadWhileWritesGoOn() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            var ops: [JSONValue] = []
            for index in 0..<25 { ops.append(Ops.createArticle(headline: "Archive story \(index)")) }
            try await client.commit(ops)
            let lateID = UUID().uuidString.lowercased()
            var snapshotPages: [JSONValue] = []
            var cursor: JSONValue = .null
            repeat {
                var params: JSONObject = ["limit": 10]
                if cursor != .null { params["cursor"] = cursor }
                let page = try await client.call("sync.pull", params)
                snapshotPages.append(page)
                cursor = page["cursor"] ?? .null
                if snapshotPages.count == 1 {
                    // Lands in the middle of the snapshot: must not leak into it.
                    try await client.commit([Ops.createArticle(lateID, headline: "Zz late story")])
                }
            } while snapshotPages.last?["consistentAt"] == .null
            let snapshotIDs = snapshotPages.flatMap { ($0["items"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue } }
            #expect(snapshotIDs.count == 25)
            #expect(!snapshotIDs.contains(lateID))
            #expect(snapshotPages.dropLast().allSatisfy { $0["consistentAt"] == .null })
            #expect(snapshotPages.last?["consistentAt"] == 1)
            #expect(snapshotPages.last?["hasMore"] == true)
            // The log after the snapshot brings the late story.
            let log = try await client.call("sync.pull", ["cursor": cursor])
            #expect(log["consistentAt"] == 2)
            #expect(log["items"]?.arrayValue?.map { $0["id"] } == [.string(lateID)])
            #expect(log["hasMore"] == false)
            await client.close()
        }
    }

    @Test func logPagesNeverSplitAChangesetAndCarryTombstones() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let head = try await client.call("sync.pull", ["limit": 5])
            let start = try #require(head["cursor"])
            var ids: [String] = []
            var ops: [JSONValue] = []
            for index in 0..<10 {
                let id = UUID().uuidString.lowercased()
                ids.append(id)
                ops.append(Ops.createArticle(id, headline: "Batch \(index)"))
            }
            try await client.commit(ops)
            try await client.commit([Ops.delete("article", ids[0])])
            try await client.commit([Ops.update("article", ids[1], set: ["section": "news"])])
            let first = try await client.call("sync.pull", ["cursor": start, "limit": 3])
            #expect(first["items"]?.arrayValue?.count == 10, "one changeset of 10 is never split")
            #expect(first["consistentAt"] == 1)
            let rest = try await client.call("sync.pull", ["cursor": try #require(first["cursor"]), "limit": 3])
            let items = rest["items"]?.arrayValue ?? []
            #expect(rest["consistentAt"] == 3)
            let tombstone = try #require(items.first { $0["id"] == .string(ids[0]) })
            #expect(tombstone["deleted"] == true)
            #expect(tombstone["data"] == .null)
            #expect(items.first { $0["id"] == .string(ids[1]) }?["data"]?["section"] == "news")
            await client.close()
        }
    }

    @Test func everyLogPageEqualsTheServerStateAtItsConsistentPoint() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let id = UUID().uuidString.lowercased()
            try await client.commit([Ops.createArticle(id, headline: "v1")])
            for version in 2...6 {
                try await client.commit([Ops.update("article", id, set: ["headline": .string("v\(version)")])])
                try await client.commit([Ops.createArticle(headline: "Filler \(version)")])
            }
            var cursor: JSONValue = "l.0"
            var checked = 0
            while true {
                let page = try await client.call("sync.pull", ["cursor": cursor, "limit": 1])
                let consistentAt = try #require(page["consistentAt"]?.intValue)
                for item in page["items"]?.arrayValue ?? [] where item["id"] == .string(id) {
                    let version = try #require(item["version"]?.intValue)
                    let atVersion = try await client.call("article.get", ["id": .string(id), "version": .number(JSONNumber(version))])
                    #expect(item["data"]?["headline"] == atVersion["headline"])
                    #expect((item["seq"]?.intValue ?? 0) <= consistentAt)
                    // No later version existed at consistentAt.
                    if let next = try? await client.call("article.get", ["id": .string(id), "version": .number(JSONNumber(version + 1))]) {
                        #expect((next["seq"]?.intValue ?? 0) > consistentAt)
                    }
                    checked += 1
                }
                cursor = try #require(page["cursor"])
                if page["hasMore"] == false { break }
            }
            #expect(checked == 6)
            await client.close()
        }
    }

    @Test func foreignAndFutureCursorsAreRefused() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let bad = await client.failure("sync.pull", ["cursor": "not-a-cursor"])
            #expect(bad?.code == -32602)
            let future = await client.failure("sync.pull", ["cursor": "l.999"])
            #expect(future?.kind == "cursor_expired")
            await client.close()
        }
    }
}
