import Foundation
import GalleyClient
import GalleyModel
import GalleyTestSupport
import JSONRPC
import Testing

@testable import GalleySync

/// Editing offline in two replicas, pushing, and resolving what overlaps.
@Suite struct OfflineEditTests {
    /// A server with one article, and two replicas cloned from it.
    private func withTwoReplicas(_ body: @Sendable (TestServer, GalleyClient, String, Replica, Replica) async throws -> Void) async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let id = UUID().uuidString.lowercased()
            try await client.commit([Fixtures.article("Talks open in Istanbul", id: id, ["section": "world", "tags": ["diplomacy"]])])
            try await Fixtures.withReplicas(2, of: server) { replicas in
                for replica in replicas { try await Fixtures.pull(replica) }
                try await body(server, client, id, replicas[0], replicas[1])
            }
            await client.close()
        }
    }

    @Test func editsToDifferentFieldsOfOneArticleOnTwoReplicasBothLand() async throws {
        try await self.withTwoReplicas { server, client, id, anna, ben in
            try anna.update(.article, id, set: ["headline": "Talks end without a deal"], message: "Anna: sharper headline")
            try ben.update(.article, id, set: ["section": "europe", "tags": ["diplomacy", "turkey"]], message: "Ben: section and tags")
            #expect(try anna.outbox().first?.ops.first?.baseVersion == 1)
            let annaPush = try await Fixtures.sync(anna)
            #expect(annaPush.pushed.applied == 1)
            let benSync = try await Fixtures.sync(ben)
            #expect(benSync.pushed.applied == 1)
            #expect(benSync.pushed.conflicts == 0)
            try await Fixtures.pull(anna)
            let article = try await client.call("article.get", ["id": .string(id)])
            #expect(article["headline"] == "Talks end without a deal")
            #expect(article["section"] == "europe")
            #expect(article["tags"] == ["diplomacy", "turkey"])
            #expect(article["version"] == 3)
            for replica in [anna, ben] {
                #expect(try replica.outbox().isEmpty)
                #expect(try replica.conflicts().isEmpty)
                try await Fixtures.expectSameContent(replica, server)
            }
        }
    }

    @Test func aPullMergesServerChangesIntoPendingEditsAndRebasesThem() async throws {
        try await self.withTwoReplicas { server, client, id, anna, _ in
            try anna.update(.article, id, set: ["headline": "Laptop headline"], message: "offline edit")
            try await client.commit([Ops.update("article", id, set: ["subheadline": "Added on the desk"])])
            let pulled = try await Fixtures.pull(anna)
            #expect(pulled.conflicts == 0)
            let local = try #require(try anna.entity(id))
            #expect(local.data["headline"] == "Laptop headline")
            #expect(local.data["subheadline"] == "Added on the desk")
            #expect(try anna.serverEntity(id)?.version == 2)
            #expect(try anna.outbox().first?.ops.first?.baseVersion == 2, "rebased onto the new server version")
            try await Fixtures.push(anna)
            try await Fixtures.pull(anna)
            try await Fixtures.expectSameContent(anna, server)
        }
    }

    @Test(arguments: ["mine", "theirs", "set"])
    func theSameFieldEditedOnTwoReplicasIsOneConflictResolvedEachWay(_ way: String) async throws {
        try await self.withTwoReplicas { server, client, id, anna, ben in
            try anna.update(.article, id, set: ["headline": "Anna's headline"], message: "Anna")
            try ben.update(.article, id, set: ["headline": "Ben's headline", "section": "europe"], message: "Ben")
            try await Fixtures.sync(anna)
            let benSync = try await Fixtures.sync(ben)
            #expect(benSync.pulled.conflicts == 1)
            #expect(benSync.pushed.applied == 0)
            let conflicts = try ben.conflicts()
            try #require(conflicts.count == 1)
            let conflict = conflicts[0]
            #expect(conflict.entityID == id)
            #expect(conflict.field == "headline")
            #expect(conflict.base == "Talks open in Istanbul")
            #expect(conflict.theirs == "Anna's headline")
            #expect(conflict.mine == "Ben's headline")
            #expect(try ben.waitingChangesetIDs().count == 1)
            // Pushing again changes nothing while the conflict is open.
            #expect(try await Fixtures.push(ben).applied == 0)
            let resolution: Resolution =
                switch way {
                case "mine": .mine
                case "theirs": .theirs
                default: .set("A headline both can live with")
                }
            let resolved = try ben.resolve(conflict.id, resolution)
            #expect((resolved.queued == nil) == (way == "theirs"))
            #expect(try ben.conflicts().isEmpty)
            let final = try await Fixtures.sync(ben)
            #expect(final.pushed.conflicts == 0)
            #expect(final.pushed.waiting == 0)
            #expect(try ben.outbox().isEmpty)
            let article = try await client.call("article.get", ["id": .string(id)])
            let expected: JSONValue =
                switch way {
                case "mine": "Ben's headline"
                case "theirs": "Anna's headline"
                default: "A headline both can live with"
                }
            #expect(article["headline"] == expected)
            #expect(article["section"] == "europe", "the rest of Ben's edit landed")
            try await Fixtures.expectSameContent(ben, server)
        }
    }

    @Test func aConflictFoundByThePushIsRecordedAndTheEditWaits() async throws {
        try await self.withTwoReplicas { server, client, id, anna, _ in
            try anna.update(.article, id, set: ["headline": "Anna's headline"], message: "Anna")
            let other = UUID().uuidString.lowercased()
            try anna.createArticle(["headline": "Unrelated story"], id: other, message: "independent edit")
            try await client.commit([Ops.update("article", id, set: ["headline": "Desk headline"])])
            // Push without pulling first: the server finds the conflict; the unrelated edit flows.
            let pushed = try await Fixtures.push(anna)
            #expect(pushed.conflicts == 1)
            #expect(pushed.applied == 1)
            let conflicts = try anna.conflicts()
            #expect(conflicts.map(\.field) == ["headline"])
            #expect(conflicts.first?.theirs == "Desk headline")
            #expect(try anna.serverEntity(id)?.version == 2, "the pull after the push brought the server's state")
            try anna.resolve(try #require(conflicts.first).id, .mine)
            try await Fixtures.sync(anna)
            #expect(try await client.call("article.get", ["id": .string(id)])["headline"] == "Anna's headline")
            try await Fixtures.expectSameContent(anna, server)
        }
    }

    @Test func laterEditsOfAnEntityWithAConflictWaitWhileOthersFlow() async throws {
        try await self.withTwoReplicas { server, client, id, anna, _ in
            try anna.update(.article, id, set: ["headline": "First try"], message: "one")
            try anna.update(.article, id, set: ["subheadline": "Second edit"], message: "two")
            let other = try anna.createArticle(["headline": "Another story"], message: "three")
            try await client.commit([Ops.update("article", id, set: ["headline": "Desk headline"])])
            let result = try await Fixtures.sync(anna)
            #expect(result.pulled.conflicts == 1)
            #expect(result.pushed.applied == 1, "only the unrelated create")
            #expect(result.pushed.waiting == 2)
            #expect(try await client.call("article.get", ["id": .string(other)])["headline"] == "Another story")
            try anna.resolve(try #require(try anna.conflicts().first).id, .theirs)
            let after = try await Fixtures.sync(anna)
            #expect(after.pushed.applied == 1, "the second edit, now without a conflict")
            let article = try await client.call("article.get", ["id": .string(id)])
            #expect(article["headline"] == "Desk headline")
            #expect(article["subheadline"] == "Second edit")
            try await Fixtures.expectSameContent(anna, server)
        }
    }

    @Test func anEditOfAnArticleDeletedOnTheServerIsAConflictResolvedEitherWay() async throws {
        for way in [Resolution.theirs, .mine] {
            try await self.withTwoReplicas { server, client, id, anna, _ in
                try anna.update(.article, id, set: ["headline": "Edited offline"], message: "edit")
                try await client.commit([Ops.delete("article", id)])
                let result = try await Fixtures.sync(anna)
                #expect(result.pulled.conflicts == 1)
                let conflict = try #require(try anna.conflicts().first)
                #expect(conflict.field == "deleted")
                #expect(conflict.theirs == true)
                #expect(conflict.mine == false)
                let resolved = try anna.resolve(conflict.id, way)
                try await Fixtures.sync(anna)
                #expect(try anna.outbox().isEmpty)
                #expect(try anna.entity(id)?.deleted == true)
                if way == .mine {
                    let newID = try #require(resolved.queued?.entityIDs.first)
                    #expect(try await client.call("article.get", ["id": .string(newID)])["headline"] == "Edited offline")
                }
                try await Fixtures.expectSameContent(anna, server)
            }
        }
    }

    @Test func aDeleteOfAnArticleEditedOnTheServerIsAConflictResolvedEitherWay() async throws {
        for way in [Resolution.theirs, .mine] {
            try await self.withTwoReplicas { server, client, id, anna, _ in
                let linked = UUID().uuidString.lowercased()
                try await client.commit([Fixtures.article("Related", id: linked), Ops.createLink(from: id, to: linked)])
                try await Fixtures.pull(anna)
                try anna.delete(.article, id, message: "Spike it")
                #expect(try anna.entities(.link).isEmpty, "the link went with it locally")
                try await client.commit([Ops.update("article", id, set: ["headline": "Updated on the desk"])])
                let result = try await Fixtures.sync(anna)
                #expect(result.pulled.conflicts == 1)
                let conflict = try #require(try anna.conflicts().first)
                #expect(conflict.field == "deleted")
                #expect(conflict.mine == true)
                try anna.resolve(conflict.id, way)
                try await Fixtures.sync(anna)
                #expect(try anna.outbox().isEmpty)
                let live = try await client.call("article.list", [:])["items"]?.arrayValue?.compactMap { $0["id"]?.stringValue } ?? []
                #expect(live.contains(id) == (way == .theirs))
                #expect(try anna.entities(.link).count == (way == .theirs ? 1 : 0))
                try await Fixtures.expectSameContent(anna, server)
            }
        }
    }

    @Test func linkAndMediaEditsMadeOfflineLandOnPush() async throws {
        try await self.withTwoReplicas { server, client, id, anna, _ in
            let photo = try anna.createMedia(["uri": "photos/istanbul.jpg", "credit": ["creator": "A. Savin", "source": "Wikimedia"]], message: "photo")
            let story = try anna.createArticle(["headline": "Photo story", "leadMediaId": .string(photo), "status": "published"], message: "story")
            let link = try anna.createLink(from: story, to: id, ["kind": "background"], message: "link")
            try anna.update(.media, photo, set: ["credit.license": "CC BY-SA 4.0", "caption": "Delegations arrive"], message: "credit")
            try anna.update(.link, link, set: ["label": "Earlier"], message: "label")
            let spare = try anna.createLink(from: id, to: story, message: "spare link")
            try anna.delete(.link, spare, message: "no, remove it")
            let result = try await Fixtures.sync(anna)
            #expect(result.pushed.applied == 7)
            #expect(result.pushed.rejected == 0)
            let media = try await client.call("media.get", ["id": .string(photo)])
            #expect(media["credit"]?["license"] == "CC BY-SA 4.0")
            #expect(media["credit"]?["creditLine"] == "A. Savin / Wikimedia")
            let links = try await client.call("link.list", ["articleId": .string(story)])
            #expect(links["items"]?.arrayValue?.map { $0["label"] } == ["Earlier"])
            #expect(try await client.call("link.list", ["articleId": .string(id)])["items"]?.arrayValue?.isEmpty == true)
            try await Fixtures.expectSameContent(anna, server)
        }
    }

    @Test func successiveLocalEditsOfOneArticleLandInOrderWithoutConflictingWithEachOther() async throws {
        try await self.withTwoReplicas { server, client, id, anna, _ in
            for round in 1...4 {
                try anna.update(.article, id, set: ["headline": .string("Headline take \(round)")], message: "take \(round)")
            }
            let pushed = try await Fixtures.push(anna)
            #expect(pushed.applied == 4)
            #expect(pushed.conflicts == 0)
            let article = try await client.call("article.get", ["id": .string(id)])
            #expect(article["headline"] == "Headline take 4")
            #expect(article["version"] == 5)
            try await Fixtures.pull(anna)
            try await Fixtures.expectSameContent(anna, server)
        }
    }

    @Test func aCreditMemberEditedOnBothSidesIsAConflictOnThatMemberOnly() async throws {
        try await self.withTwoReplicas { server, client, _, anna, ben in
            let photo = UUID().uuidString.lowercased()
            try await client.commit([Ops.createMedia(photo, ["credit": ["creator": "A. Savin", "source": "Wikimedia"]])])
            try await Fixtures.pull(anna)
            try await Fixtures.pull(ben)
            try anna.update(.media, photo, set: ["credit.creator": "Alexander Savin", "caption": "Palace"], message: "Anna: full name")
            try ben.update(.media, photo, set: ["credit.creator": "A. Savin (WMC)", "credit.source": "Wikimedia Commons"], message: "Ben: credit")
            try await Fixtures.sync(anna)
            let result = try await Fixtures.sync(ben)
            #expect(result.pulled.conflicts == 1)
            let conflict = try #require(try ben.conflicts().first)
            #expect(conflict.field == "credit.creator")
            #expect(conflict.theirs == "Alexander Savin")
            #expect(conflict.mine == "A. Savin (WMC)")
            try ben.resolve(conflict.id, .set("Alexander Savin (WMC)"))
            try await Fixtures.sync(ben)
            let media = try await client.call("media.get", ["id": .string(photo)])
            #expect(media["credit"]?["creator"] == "Alexander Savin (WMC)")
            #expect(media["credit"]?["source"] == "Wikimedia Commons")
            #expect(media["caption"] == "Palace")
            try await Fixtures.expectSameContent(ben, server)
        }
    }

    @Test func anEditTheServerWouldRefuseIsRefusedLocallyWithTheSameError() async throws {
        try await self.withTwoReplicas { _, client, id, anna, _ in
            let missingMedia = UUID().uuidString.lowercased()
            let cases: [[JSONValue]] = [
                [Fixtures.article("")],
                [Ops.update("article", id, set: ["headline": 12, "slug": "Not A Slug"])],
                [Fixtures.article("Uses a photo that does not exist", ["leadMediaId": .string(missingMedia)])],
                [Fixtures.article("Talks open in Istanbul")],
                [Ops.update("article", UUID().uuidString.lowercased(), set: ["headline": "x"])],
            ]
            for ops in cases {
                var local: JSONRPCError?
                do {
                    try anna.commit(message: "should fail", ops: ops)
                } catch ReplicaError.refused(let error) {
                    local = error
                }
                let remote = await client.failure(ops)
                #expect(local != nil)
                #expect(local?.code == remote?.code)
                #expect(local?.message == remote?.message)
                #expect(local?.data == remote?.data)
            }
            #expect(try anna.outbox().isEmpty, "nothing of a refused edit is kept")
        }
    }
}

extension GalleyClient {
    /// The error `changeset.commit` refuses `ops` with.
    func failure(_ ops: [JSONValue]) async -> JSONRPCError? {
        do {
            try await self.commit(ops, message: "should fail")
            return nil
        } catch {
            return error as? JSONRPCError
        }
    }
}
