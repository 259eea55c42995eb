import Foundation
import GalleyClient
import GalleyModel
import GalleyTestSupport
import JSONRPC
import JSONRPCTransport
import Testing

@testable import GalleySync

/// Pushing the outbox: exactly once, whatever happens to the connection.
@Suite struct PushTests {
    @Test func aPushWhoseReplyIsLostIsAppliedOnceWhenRetried() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let id = UUID().uuidString.lowercased()
            try await client.commit([Fixtures.article("Before", id: id)])
            try await Fixtures.withReplicas(1, of: server) { replicas in
                let replica = replicas[0]
                try await Fixtures.pull(replica)
                for (round, headline) in ["After", "After again"].enumerated() {
                    try replica.update(.article, id, set: ["headline": .string(headline)], message: "offline edit \(round)")
                    let head = try #require(try await client.call("server.info")["head"]?.intValue)
                    let batch = try await self.pushLosingTheReply(replica, server: server, client: client)
                    #expect(try await client.call("server.info")["head"]?.intValue == head + 1)
                    if round == 0 {
                        // The retry asks the server first: the changeset is there, so it leaves the outbox.
                        let pushed = try await Fixtures.push(replica)
                        #expect(pushed.applied == 0)
                    } else {
                        // Sent again as it was: the server answers `replayed` and applies nothing.
                        let session = try await Fixtures.session(replica)
                        let reply = try await session.client.call("sync.push", ["changesets": .array(batch.map(\.pushJSON))])
                        #expect(try replica.record(pushResults: reply["results"]?.arrayValue ?? [], for: batch) == [.replayed])
                        await session.client.close()
                    }
                    #expect(try replica.outbox().isEmpty)
                    #expect(try await client.call("server.info")["head"]?.intValue == head + 1, "applied exactly once")
                    #expect(try await client.call("article.get", ["id": .string(id)])["version"]?.intValue == round + 2)
                }
                try await Fixtures.pull(replica)
                try await Fixtures.expectSameContent(replica, server)
            }
            await client.close()
        }
    }

    /// Pushes the next batch on a connection that drops before the reply is read, and waits
    /// (bounded) until the server's head moves; returns the batch, left in doubt in the outbox.
    private func pushLosingTheReply(_ replica: Replica, server: TestServer, client: GalleyClient) async throws -> [OutboxChangeset] {
        let head = try await client.call("server.info")["head"]?.intValue
        let batch = try replica.nextPushBatch(limit: 100)
        try replica.markSent(batch.map(\.id))
        let request: JSONValue = [
            "jsonrpc": "2.0", "id": 1, "method": "sync.push",
            "params": ["changesets": .array(batch.map(\.pushJSON))],
        ]
        let doomed = try await server.client()
        _ = try await doomed.connection.sendRaw(JSONWriter.bytes(request), expectReply: false)
        await doomed.close()
        for _ in 0..<750 where try await client.call("server.info")["head"]?.intValue == head {
            try await Task.sleep(for: .milliseconds(20))
        }
        return batch
    }

    /// Found by `Reliability/sync_jepsen_test.py` (run 2 of the full tier, 2026-11-28): the create
    /// of an article was pushed and its reply lost while a later edit of that article waited in the
    /// outbox. The next pull settled the create as applied, then took the local view (holding the
    /// edit) as the merge base for the pulled article, saw the edited field as changed by the server
    /// alone, and dropped the edit from the outbox as superseded: acknowledged locally, never sent.
    /// With `serverRetags`, someone else retags the article on the server before the pull: the
    /// edit then meets a real conflict, recorded for a person to resolve, not overwritten.
    @Test(arguments: [false, true])
    func anEditOfANewArticleSurvivesAPullAfterItsCreateWasSettledInDoubt(serverRetags: Bool) async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            try await Fixtures.withReplicas(1, of: server) { replicas in
                let replica = replicas[0]
                try await Fixtures.pull(replica)
                let story = try replica.createArticle(["headline": "New story", "tags": ["first"]], message: "create")
                let edit = try replica.update(.article, story, set: ["tags": ["second"]], message: "retag")
                let head = try #require(try await client.call("server.info")["head"]?.intValue)
                // The create goes alone (one changeset per entity per push); its reply is lost.
                let batch = try await self.pushLosingTheReply(replica, server: server, client: client)
                #expect(batch.count == 1)
                #expect(try await client.call("server.info")["head"]?.intValue == head + 1)
                if serverRetags {
                    try await client.commit([Ops.update("article", story, base: 1, set: ["tags": ["theirs"]])])
                }
                // A pull first (as `galley sync` does): it settles the create, then merges the
                // pulled article with the waiting edit.
                let pulled = try await Fixtures.pull(replica)
                #expect(try replica.outbox().map(\.id) == [edit.changesetID], "the edit still waits to be pushed")
                #expect(try replica.entity(story)?.data["tags"] == ["second"])
                if serverRetags {
                    #expect(pulled.conflicts == 1)
                    #expect(try replica.conflicts().map(\.field) == ["tags"])
                    _ = try replica.resolve(try #require(try replica.conflicts().first).id, .mine)
                }
                let pushed = try await Fixtures.push(replica)
                #expect(pushed.applied == 1)
                #expect(try await client.call("article.get", ["id": .string(story)])["tags"] == ["second"])
                try await Fixtures.pull(replica)
                try await Fixtures.expectSameContent(replica, server)
            }
            await client.close()
        }
    }

    @Test func aRefusedChangesetStaysWithItsErrorAndHoldsBackLaterEditsOfItsEntities() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            try await Fixtures.withReplicas(1, of: server) { replicas in
                let replica = replicas[0]
                try await Fixtures.pull(replica)
                let photo = try replica.createMedia(["uri": "photos/a.jpg"], message: "photo")
                let story = try replica.createArticle(["headline": "Uses the photo", "leadMediaId": .string(photo)], message: "story")
                let unrelated = try replica.createArticle(["headline": "Unrelated"], message: "other")
                // Meanwhile the same media id is taken on the server: the create is refused there.
                try await client.commit([Ops.createMedia(photo, uri: "photos/server.jpg")])
                let pushed = try await Fixtures.push(replica)
                #expect(pushed.rejected == 1)
                #expect(pushed.applied == 1)
                let outbox = try replica.outbox()
                #expect(outbox.count == 2)
                #expect(outbox.first?.status == .rejected)
                #expect(outbox.first?.error?["data"]?["kind"] == "entity_exists")
                #expect(try replica.waitingChangesetIDs() == Set(outbox.map(\.id)))
                #expect(try await client.call("article.get", ["id": .string(unrelated)])["headline"] == "Unrelated")
                let missing = await client.failure("article.get", ["id": .string(story)])
                #expect(missing?.code == -32004)
            }
            await client.close()
        }
    }
}

extension GalleyClient {
    /// The error a call fails with; nil when it succeeds.
    func failure(_ method: String, _ params: JSONObject) async -> JSONRPCError? {
        do {
            _ = try await self.call(method, params)
            return nil
        } catch {
            return error as? JSONRPCError
        }
    }
}
