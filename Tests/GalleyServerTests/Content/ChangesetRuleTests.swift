import Foundation
import GalleyClient
import GalleyTestSupport
import JSONRPC
import JSONRPCTransport
import Testing

/// The rules of `changeset.commit`: atomic, idempotent, ordered, checked as a whole.
@Suite struct ChangesetRuleTests {
    @Test func failingOpLeavesNothingVisible() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let good = Ops.createArticle(headline: "A good story")
            let bad = Ops.update("article", UUID().uuidString.lowercased(), set: ["headline": "nobody"])
            let error = await client.commitFailure([good, bad])
            #expect(error?.code == -32004)
            #expect(error?.data?["opIndex"] == 1)
            #expect(try await client.call("article.list")["items"] == .array([]))
            #expect(try await client.call("server.info")["head"] == 0)
            await client.close()
        }
    }

    @Test func rulesAreCheckedAfterTheWholeChangesetInAnyOpOrder() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let photo = UUID().uuidString.lowercased()
            let story = UUID().uuidString.lowercased()
            let other = UUID().uuidString.lowercased()
            // The link comes first, the photo last: still one valid changeset.
            let result = try await client.commit([
                Ops.createLink(from: story, to: other),
                Ops.createArticle(story, headline: "Lead story", ["leadMediaId": .string(photo), "status": "published"]),
                Ops.createArticle(other, headline: "Background"),
                Ops.createMedia(photo, ["credit": ["creator": "A. Photographer"]]),
            ])
            #expect(result["results"]?.arrayValue?.count == 4)
            let article = try await client.call("article.get", ["id": .string(story)])
            #expect(article["leadMedia"]?["id"] == .string(photo))
            await client.close()
        }
    }

    @Test func sameIDAndContentReplaysDifferentContentIsRefused() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let id = UUID().uuidString.lowercased()
            let op = Ops.createArticle(headline: "Once only")
            let first = try await client.commit([op], id: id)
            let second = try await client.commit([op], id: id)
            #expect(first["replayed"] == false)
            #expect(second["replayed"] == true)
            #expect(second["seq"] == first["seq"])
            #expect(second["results"] == first["results"])
            #expect(try await client.call("article.list")["items"]?.arrayValue?.count == 1)
            let reused = await client.commitFailure([Ops.createArticle(headline: "Something else")], id: id)
            #expect(reused?.code == -32010)
            #expect(reused?.kind == "changeset_id_reused")
            await client.close()
        }
    }

    @Test func concurrentCommitsGetGaplessSeqsInCommitOrder() async throws {
        try await TestServer.with { server in
            let writers = 8
            let perWriter = 25
            try await withThrowingTaskGroup(of: [Int].self) { group in
                for writer in 0..<writers {
                    group.addTask {
                        let client = try await server.client()
                        var seqs: [Int] = []
                        for index in 0..<perWriter {
                            // Every fifth changeset is refused: refused ones must not leave gaps.
                            let ops: [JSONValue] = index % 5 == 4
                                ? [Ops.update("article", UUID().uuidString.lowercased(), set: ["headline": "x"])]
                                : [Ops.createArticle(headline: "Writer \(writer) story \(index)")]
                            if let seq = try? await client.commit(ops)["seq"]?.intValue { seqs.append(seq) }
                        }
                        await client.close()
                        return seqs
                    }
                }
                var all: [Int] = []
                for try await seqs in group {
                    #expect(seqs == seqs.sorted(), "one client's commits are answered in order")
                    all += seqs
                }
                let expected = writers * perWriter * 4 / 5
                #expect(all.sorted() == Array(1...expected))
            }
            let client = try await server.client()
            #expect(try await client.call("server.info")["head"] == .number(JSONNumber(writers * perWriter * 4 / 5)))
            await client.close()
        }
    }

    @Test func dryRunChecksEverythingAndCommitsNothing() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let preview = try await client.commit([Ops.createArticle(headline: "Preview only")], dryRun: true)
            #expect(preview["dryRun"] == true)
            #expect(preview["seq"] == .null)
            #expect(preview["results"]?.arrayValue?.count == 1)
            #expect(try await client.call("article.list")["items"] == .array([]))
            let id = UUID().uuidString.lowercased()
            try await client.commit([Ops.createArticle(id, headline: "Real", ["slug": "taken"])])
            let clash = await client.failure(
                "changeset.commit",
                ["id": .string(UUID().uuidString), "message": "m", "dryRun": true, "ops": [Ops.createArticle(headline: "Other", ["slug": "taken"])]]
            )
            #expect(clash?.kind == "duplicate_slug")
            #expect(try await client.call("server.info")["head"] == 1)
            await client.close()
        }
    }

    @Test func everyInvalidFieldIsNamedAtOnce() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let error = await client.commitFailure([
                Ops.createArticle(headline: .init(repeating: "h", count: 301), ["status": "live", "colour": "red", "version": 3]),
                Ops.createMedia(uri: "", ["kind": "hologram"]),
            ])
            #expect(error?.code == -32022)
            #expect(error?.kind == "validation_failed")
            let paths = Set((error?.data?["errors"]?.arrayValue ?? []).compactMap { $0["path"]?.stringValue })
            #expect(paths.isSuperset(of: ["ops[0].data.headline", "ops[0].data.status", "ops[0].data.colour", "ops[0].data.version", "ops[1].data.uri", "ops[1].data.kind"]))
            await client.close()
        }
    }

    @Test func writesNeedTheEditorRole() async throws {
        try await TestServer.with { server in
            let reader = try await server.client(token: try await server.token(role: "reader"))
            let error = await reader.commitFailure([Ops.createArticle(headline: "Not allowed")])
            #expect(error?.code == -32003)
            #expect(try await reader.call("article.list")["items"] == .array([]))
            await reader.close()
        }
    }
}
