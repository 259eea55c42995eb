import Foundation
import GalleyClient
import GalleyTestSupport
import JSONRPC
import JSONRPCTransport
import Testing

/// `changeset.revert`: a new changeset undoing an old one, conflict-checked.
@Suite struct RevertTests {
    private func revert(_ client: GalleyClient, _ seq: Int, force: Bool = false) async throws -> JSONValue {
        try await client.call("changeset.revert", ["seq": .number(JSONNumber(seq)), "id": .string(UUID().uuidString), "force": .bool(force)])
    }

    @Test func revertingACreateDeletesAndRevertingThatRestores() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let a = UUID().uuidString.lowercased()
            let b = UUID().uuidString.lowercased()
            try await client.commit([Ops.createArticle(a, headline: "A"), Ops.createArticle(b, headline: "B"), Ops.createLink(from: a, to: b)])
            let undo = try await self.revert(client, 1)
            #expect(undo["seq"] == 2)
            #expect(try await client.call("article.list")["items"] == .array([]))
            let redo = try await self.revert(client, 2)
            #expect(redo["seq"] == 3)
            #expect(try await client.call("article.get", ["id": .string(a)])["headline"] == "A")
            #expect(try await client.call("link.list", ["articleId": .string(a)])["items"]?.arrayValue?.count == 1)
            await client.close()
        }
    }

    @Test func revertingAnUpdateRestoresOnlyTheFieldsItChanged() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let id = UUID().uuidString.lowercased()
            try await client.commit([Ops.createArticle(id, headline: "Original", ["section": "news"])])
            try await client.commit([Ops.update("article", id, set: ["headline": "Wrong", "section": "sport"])])
            try await client.commit([Ops.update("article", id, set: ["subheadline": "Added later"])])
            _ = try await self.revert(client, 2)
            let article = try await client.call("article.get", ["id": .string(id)])
            #expect(article["headline"] == "Original")
            #expect(article["section"] == "news")
            #expect(article["subheadline"] == "Added later")
            await client.close()
        }
    }

    @Test func retryingARevertReplaysIt() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            try await client.commit([Ops.createArticle(headline: "Oops")])
            let id = UUID().uuidString
            let first = try await client.call("changeset.revert", ["seq": 1, "id": .string(id)])
            let retry = try await client.call("changeset.revert", ["seq": 1, "id": .string(id)])
            #expect(first["replayed"] == false)
            #expect(retry["replayed"] == true)
            #expect(retry["seq"] == first["seq"])
            let other = await client.failure("changeset.revert", ["seq": 1, "id": .string(id), "force": true])
            #expect(other?.kind == "changeset_id_reused")
            await client.close()
        }
    }

    @Test func laterChangesToTheSameFieldsConflictUnlessForced() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let id = UUID().uuidString.lowercased()
            try await client.commit([Ops.createArticle(id, headline: "Original")])
            try await client.commit([Ops.update("article", id, set: ["headline": "Edited"])])
            try await client.commit([Ops.update("article", id, set: ["headline": "Edited again"])])
            let error = await client.failure("changeset.revert", ["seq": 2, "id": .string(UUID().uuidString)])
            #expect(error?.code == -32009)
            #expect(error?.data?["conflicts"]?[0]?["fields"]?[0]?["field"] == "headline")
            _ = try await self.revert(client, 2, force: true)
            #expect(try await client.call("article.get", ["id": .string(id)])["headline"] == "Original")
            await client.close()
        }
    }
}
