import Foundation
import GalleyClient
import GalleyTestSupport
import JSONRPC
import JSONRPCTransport
import Testing

/// Integrity rules (`-32010`), each refused with a kind and the details to act on.
@Suite struct IntegrityTests {
    @Test func duplicateSlugIsRefused() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            try await client.commit([Ops.createArticle(headline: "Kyiv's Drone Attacks")])
            let error = await client.commitFailure([Ops.createArticle(headline: "Kyiv’s drone attacks!")])
            #expect(error?.kind == "duplicate_slug")
            #expect(error?.data?["slug"] == "kyivs-drone-attacks")
            await client.close()
        }
    }

    @Test func linksMustJoinTwoDifferentLiveArticlesOnce() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let a = UUID().uuidString.lowercased()
            let b = UUID().uuidString.lowercased()
            try await client.commit([Ops.createArticle(a, headline: "A"), Ops.createArticle(b, headline: "B"), Ops.createLink(from: a, to: b)])
            #expect(await client.commitFailure([Ops.createLink(from: a, to: UUID().uuidString.lowercased())])?.kind == "link_target_missing")
            #expect(await client.commitFailure([Ops.createLink(from: a, to: a)])?.kind == "link_to_self")
            #expect(await client.commitFailure([Ops.createLink(from: a, to: b)])?.kind == "duplicate_link")
            // Live means committed, not deleted, and an article (the store answers from the
            // entity's head row, without its document).
            let (gone, photo) = (UUID().uuidString.lowercased(), UUID().uuidString.lowercased())
            try await client.commit([Ops.createArticle(gone, headline: "Gone"), Ops.createMedia(photo)])
            try await client.commit([Ops.delete("article", gone)])
            #expect(await client.commitFailure([Ops.createLink(from: a, to: gone)])?.kind == "link_target_missing")
            #expect(await client.commitFailure([Ops.createLink(from: photo, to: b)])?.kind == "link_target_missing")
            await client.close()
        }
    }

    /// The links one changeset creates count per article they leave: positions, duplicates and
    /// the limit each see that article's links only, however many other links the changeset has.
    @Test func linksCreatedInOneChangesetAreCountedPerArticle() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let (a, b, c) = (UUID().uuidString.lowercased(), UUID().uuidString.lowercased(), UUID().uuidString.lowercased())
            let articles = [Ops.createArticle(a, headline: "A"), Ops.createArticle(b, headline: "B"), Ops.createArticle(c, headline: "C")]
            let duplicate = await client.commitFailure(articles + [Ops.createLink(from: a, to: b), Ops.createLink(from: b, to: a), Ops.createLink(from: a, to: b)])
            #expect(duplicate?.kind == "duplicate_link")
            try await client.commit(
                articles + [
                    Ops.createLink(from: a, to: b), Ops.createLink(from: b, to: a), Ops.createLink(from: c, to: a),
                    Ops.createLink(from: a, to: c), Ops.createLink(from: b, to: c),
                ]
            )
            for (article, targets) in [(a, [b, c]), (b, [a, c]), (c, [a])] {
                let links = try await client.call("link.list", ["articleId": .string(article)])["items"]?.arrayValue ?? []
                #expect(links.map { $0["toId"]?.stringValue } == targets.map(Optional.some))
                #expect(links.map { $0["position"]?.intValue } == Array(0..<targets.count).map(Optional.some))
            }
            // Fifty-one links from one article in one changeset, beside links from another.
            let hub = UUID().uuidString.lowercased()
            var ops = [Ops.createArticle(hub, headline: "Hub")]
            for index in 0..<51 {
                let target = UUID().uuidString.lowercased()
                ops += [Ops.createArticle(target, headline: "Spoke \(index)"), Ops.createLink(from: hub, to: target), Ops.createLink(from: target, to: a)]
            }
            let tooMany = await client.commitFailure(ops)
            #expect(tooMany?.kind == "too_many_links")
            #expect(tooMany?.data?["fromId"] == .string(hub))
            await client.close()
        }
    }

    @Test func moreThanFiftyOutboundLinksAreRefused() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let hub = UUID().uuidString.lowercased()
            var ops = [Ops.createArticle(hub, headline: "Hub")]
            for index in 0..<51 {
                let target = UUID().uuidString.lowercased()
                ops.append(Ops.createArticle(target, headline: "Spoke \(index)"))
                if index < 50 { ops.append(Ops.createLink(from: hub, to: target)) }
            }
            try await client.commit(ops)
            let spoke = try #require(try await client.call("article.list", ["q": "Spoke 50"])["items"]?[0]?["id"])
            let error = await client.commitFailure([Ops.createLink(from: hub, to: try #require(spoke.stringValue))])
            #expect(error?.kind == "too_many_links")
            #expect(error?.data?["limit"] == 50)
            await client.close()
        }
    }

    @Test func mediaInUseCannotBeDeletedAndTheUsersAreListed() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let photo = UUID().uuidString.lowercased()
            let story = UUID().uuidString.lowercased()
            try await client.commit([
                Ops.createMedia(photo),
                Ops.createArticle(story, headline: "Uses the photo", ["body": [["type": "media", "mediaId": .string(photo)]]]),
            ])
            let error = await client.commitFailure([Ops.delete("media", photo)])
            #expect(error?.kind == "media_in_use")
            #expect(error?.data?["articles"]?[0]?["id"] == .string(story))
            #expect(error?.data?["articles"]?[0]?["slug"] == "uses-the-photo")
            // Removing it from the article in the same changeset makes the delete valid.
            try await client.commit([Ops.update("article", story, set: ["body": []]), Ops.delete("media", photo)])
            await client.close()
        }
    }

    @Test func publishingWithAnUncreditedLeadPhotoIsRefused() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let photo = UUID().uuidString.lowercased()
            let story = UUID().uuidString.lowercased()
            try await client.commit([Ops.createMedia(photo), Ops.createArticle(story, headline: "Draft", ["leadMediaId": .string(photo)])])
            let error = await client.commitFailure([Ops.update("article", story, set: ["status": "published"])])
            #expect(error?.kind == "uncredited_lead_media")
            try await client.commit([Ops.update("media", photo, set: ["credit.creator": "Staff photographer"]), Ops.update("article", story, set: ["status": "published"])])
            let published = try await client.call("article.get", ["id": .string(story)])
            #expect(published["status"] == "published")
            #expect(published["publishedAt"]?.stringValue?.isEmpty == false)
            await client.close()
        }
    }

    @Test func deletingAnArticleDeletesItsLinksAsExplicitOps() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let a = UUID().uuidString.lowercased()
            let b = UUID().uuidString.lowercased()
            let c = UUID().uuidString.lowercased()
            try await client.commit([
                Ops.createArticle(a, headline: "A"), Ops.createArticle(b, headline: "B"), Ops.createArticle(c, headline: "C"),
                Ops.createLink(from: a, to: b), Ops.createLink(from: c, to: b), Ops.createLink(from: a, to: c),
            ])
            let result = try await client.commit([Ops.delete("article", b)])
            let results = result["results"]?.arrayValue ?? []
            #expect(results.count == 3)
            #expect(results.filter { $0["cascade"] == true && $0["type"] == "link" }.count == 2)
            let seq = try #require(result["seq"])
            let changeset = try await client.call("changeset.get", ["seq": seq])
            #expect(changeset["ops"]?.arrayValue?.filter { $0["cascade"] == true }.count == 2)
            #expect(try await client.call("link.list", ["articleId": .string(a)])["items"]?.arrayValue?.count == 1)
            #expect(try await client.call("link.list", ["articleId": .string(c)])["items"]?.arrayValue?.count == 0)
            await client.close()
        }
    }
}
