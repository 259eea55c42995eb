import Foundation
import GalleyClient
import GalleyTestSupport
import JSONRPC
import JSONRPCTransport
import Testing

/// Field-level optimistic concurrency: stale bases conflict only on the fields that changed.
@Suite struct ConflictTests {
    @Test func secondEditorOfTheSameFieldGetsAPreciseConflict() async throws {
        try await TestServer.with { server in
            let alice = try await server.client(token: try await server.token(role: "editor", name: "alice"))
            let bob = try await server.client(token: try await server.token(role: "editor", name: "bob"))
            let id = UUID().uuidString.lowercased()
            try await alice.commit([Ops.createArticle(id, headline: "Original headline")])

            let first = try await alice.commit([Ops.update("article", id, base: 1, set: ["headline": "Alice's headline"])])
            #expect(first["results"]?[0]?["version"] == 2)
            #expect(first["results"]?[0]?["rebased"] == false)

            let error = await bob.commitFailure([Ops.update("article", id, base: 1, set: ["headline": "Bob's headline"])])
            #expect(error?.code == -32009)
            #expect(error?.kind == "version_conflict")
            let conflict = try #require(error?.data?["conflicts"]?[0])
            #expect(conflict["id"] == .string(id))
            #expect(conflict["baseVersion"] == 1)
            #expect(conflict["currentVersion"] == 2)
            #expect(conflict["reason"] == "field_changed")
            #expect(conflict["fields"] == [["field": "headline", "base": "Original headline", "theirs": "Alice's headline", "mine": "Bob's headline"]])

            // Another field from the same stale base is rebased and lands.
            let other = try await bob.commit([Ops.update("article", id, base: 1, set: ["section": "world"])])
            #expect(other["results"]?[0]?["rebased"] == true)
            #expect(other["results"]?[0]?["version"] == 3)
            let article = try await bob.call("article.get", ["id": .string(id)])
            #expect(article["headline"] == "Alice's headline")
            #expect(article["section"] == "world")
            #expect(article["updatedBy"] == "bob")
            await alice.close()
            await bob.close()
        }
    }

    @Test func concurrentEditsOfTheSameFieldFromTwoConnectionsLetExactlyOneWin() async throws {
        try await TestServer.with { server in
            let setup = try await server.client()
            let id = UUID().uuidString.lowercased()
            try await setup.commit([Ops.createArticle(id, headline: "Race")])
            let outcomes = try await withThrowingTaskGroup(of: Bool.self) { group in
                for name in ["one", "two"] {
                    group.addTask {
                        let client = try await server.client()
                        defer { Task { await client.close() } }
                        do {
                            try await client.commit([Ops.update("article", id, base: 1, set: ["headline": .string("Race \(name)")])])
                            return true
                        } catch let error as JSONRPCError where error.code == -32009 {
                            return false
                        }
                    }
                }
                return try await group.reduce(into: [Bool]()) { $0.append($1) }
            }
            #expect(outcomes.filter { $0 }.count == 1 && outcomes.count == 2)
            await setup.close()
        }
    }

    @Test func staleDeleteAndOpsOnDeletedEntitiesConflict() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let id = UUID().uuidString.lowercased()
            try await client.commit([Ops.createArticle(id, headline: "To be deleted")])
            try await client.commit([Ops.update("article", id, set: ["section": "news"])])
            let stale = await client.commitFailure([Ops.delete("article", id, base: 1)])
            #expect(stale?.code == -32009)
            #expect(stale?.data?["conflicts"]?[0]?["reason"] == "stale_delete")
            try await client.commit([Ops.delete("article", id, base: 2)])
            let onDeleted = await client.commitFailure([Ops.update("article", id, set: ["headline": "Back?"])])
            #expect(onDeleted?.code == -32009)
            #expect(onDeleted?.data?["conflicts"]?[0]?["reason"] == "deleted")
            let recreate = await client.commitFailure([Ops.createArticle(id, headline: "Same id again")])
            #expect(recreate?.code == -32009)
            await client.close()
        }
    }

    @Test func updateWithoutBaseVersionIsLastWriterWins() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let id = UUID().uuidString.lowercased()
            try await client.commit([Ops.createArticle(id, headline: "v1")])
            try await client.commit([Ops.update("article", id, set: ["headline": "v2"])])
            let result = try await client.commit([Ops.update("article", id, set: ["headline": "v3"])])
            #expect(result["results"]?[0]?["version"] == 3)
            await client.close()
        }
    }
}
