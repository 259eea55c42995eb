import Foundation
import GalleyClient
import GalleyStore
import GalleyTestSupport
import JSONRPC
import JSONRPCTransport
import Testing

/// Reading content: now, at any version, lists, search, history, usage.
@Suite struct ReadTests {
    @Test func articleCanBeReadAsItWasAtEveryVersion() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let id = UUID().uuidString.lowercased()
            try await client.commit([Ops.createArticle(id, headline: "First headline")])
            try await client.commit([Ops.update("article", id, set: ["headline": "Second headline"])])
            try await client.commit([Ops.delete("article", id)])
            #expect(try await client.call("article.get", ["id": .string(id), "version": 1])["headline"] == "First headline")
            #expect(try await client.call("article.get", ["id": .string(id), "version": 2])["headline"] == "Second headline")
            let gone = await client.failure("article.get", ["id": .string(id)])
            #expect(gone?.code == -32004)
            let deleted = try await client.call("article.get", ["id": .string(id), "includeDeleted": true])
            #expect(deleted["deleted"] == true)
            #expect(deleted["version"] == 3)
            let history = try await client.call("article.history", ["id": .string(id)])
            let items = history["items"]?.arrayValue ?? []
            #expect(items.map { $0["version"] } == [3, 2, 1])
            #expect(items.map { $0["op"] } == ["delete", "update", "create"])
            #expect(items[1]["fields"] == ["headline"])
            #expect(items[0]["message"] == "test edit")
            #expect(items[0]["author"] == "admin")
            await client.close()
        }
    }

    @Test func articleListFiltersSearchesAndPagesStably() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            var ops: [JSONValue] = []
            for index in 0..<12 {
                ops.append(Ops.createArticle(headline: "Story number \(index)", [
                    "section": index % 2 == 0 ? "world" : "sport",
                    "tags": index % 3 == 0 ? ["elections"] : [],
                    "body": [["type": "paragraph", "text": .string(index == 7 ? "The harbour cranes stood still." : "Plain text.")]],
                ]))
            }
            try await client.commit(ops)
            #expect(try await client.call("article.list", ["section": "world"])["items"]?.arrayValue?.count == 6)
            #expect(try await client.call("article.list", ["tag": "elections"])["items"]?.arrayValue?.count == 4)
            let found = try await client.call("article.list", ["q": "harbour crane"])["items"]?.arrayValue ?? []
            #expect(found.map { $0["headline"] } == ["Story number 7"])
            #expect(found.first?["body"] == nil, "summaries carry no body")

            var seen: [String] = []
            var cursor: JSONValue = .null
            repeat {
                var params: JSONObject = ["limit": 5]
                if cursor != .null { params["cursor"] = cursor }
                let page = try await client.call("article.list", params)
                seen += (page["items"]?.arrayValue ?? []).compactMap { $0["id"]?.stringValue }
                cursor = page["nextCursor"] ?? .null
                // A write between pages must neither repeat nor drop the remaining items.
                if seen.count == 5 { try await client.commit([Ops.createArticle(headline: "Late arrival")]) }
            } while cursor != .null
            #expect(seen.count == 12)
            #expect(Set(seen).count == 12)
            let bad = await client.failure("article.list", ["cursor": "garbage"])
            #expect(bad?.code == -32602)
            await client.close()
        }
    }

    @Test func mediaSearchUsageAndDerivedCreditLine() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let photo = UUID().uuidString.lowercased()
            let story = UUID().uuidString.lowercased()
            try await client.commit([
                Ops.createMedia(photo, ["caption": "Ferry at dawn", "credit": ["creator": "J. Doe", "source": "Reuters"]]),
                Ops.createArticle(story, headline: "Ferries", ["leadMediaId": .string(photo)]),
            ])
            let media = try await client.call("media.get", ["id": .string(photo)])
            #expect(media["credit"]?["creditLine"] == "J. Doe / Reuters")
            #expect(try await client.call("media.list", ["q": "reuters"])["items"]?[0]?["id"] == .string(photo))
            #expect(try await client.call("media.list", ["q": "nothing-like-it"])["items"] == .array([]))
            let usage = try await client.call("media.usage", ["id": .string(photo)])
            #expect(usage["items"] == [["id": .string(story), "slug": "ferries", "headline": "Ferries", "status": "draft", "role": "lead"]])
            await client.close()
        }
    }

    /// An edit rewrites only the query rows of the fields it changed (tags, media use, search
    /// text): every list, usage and search answer follows each kind of edit, and the rows an
    /// edit left alone still answer for the fields it did not touch.
    @Test func queryRowsFollowEachFieldAnEditChanges() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let lead = UUID().uuidString.lowercased()
            let inline = UUID().uuidString.lowercased()
            let story = UUID().uuidString.lowercased()
            try await client.commit([
                Ops.createMedia(lead), Ops.createMedia(inline),
                Ops.createArticle(story, headline: "Ferries return", [
                    "tags": ["harbours"], "leadMediaId": .string(lead),
                    "body": [["type": "paragraph", "text": "The quay was busy."], ["type": "media", "mediaId": .string(inline)]],
                ]),
            ])
            func tagged(_ tag: String) async throws -> [JSONValue] {
                try await client.call("article.list", ["tag": .string(tag)])["items"]?.arrayValue?.compactMap { $0["id"] } ?? []
            }
            func found(_ words: String) async throws -> [JSONValue] {
                try await client.call("article.list", ["q": .string(words)])["items"]?.arrayValue?.compactMap { $0["id"] } ?? []
            }
            func roles(_ media: String) async throws -> [JSONValue] {
                try await client.call("media.usage", ["id": .string(media)])["items"]?.arrayValue?.compactMap { $0["role"] } ?? []
            }
            try await client.commit([Ops.update("article", story, set: ["subheadline": "Timetables"])])
            #expect(try await tagged("harbours") == [.string(story)])
            #expect(try await found("quay timetables ferries") == [.string(story)])
            #expect(try await roles(lead) == ["lead"])
            #expect(try await roles(inline) == ["body"])

            try await client.commit([Ops.update("article", story, set: ["tags": ["transport"]])])
            #expect(try await tagged("harbours") == [])
            #expect(try await tagged("transport") == [.string(story)])
            #expect(try await found("quay") == [.string(story)])

            try await client.commit([Ops.update("article", story, set: ["leadMediaId": .string(inline)])])
            #expect(try await roles(lead) == [])
            #expect(Set(try await roles(inline)) == ["lead", "body"])

            try await client.commit([Ops.update("article", story, set: ["body": [["type": "paragraph", "text": "The pier was empty."]]])])
            #expect(try await found("quay") == [])
            #expect(try await found("pier timetables") == [.string(story)])
            #expect(try await roles(inline) == ["lead"])
            #expect(try await tagged("transport") == [.string(story)])

            try await client.commit([Ops.update("article", story, set: ["headline": "Ferries cancelled"])])
            #expect(try await found("cancelled pier") == [.string(story)])
            #expect(try await found("return") == [])
            #expect(try await roles(inline) == ["lead"])
            await client.close()
        }
    }

    /// Each entity's full-text row is replaced on every write and removed on delete (found by its
    /// rowid since the FTS row map): search sees the current text only, never an old version's.
    @Test func searchFollowsEditsAndDeletesOfArticlesAndMedia() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let kept = UUID().uuidString.lowercased()
            let dropped = UUID().uuidString.lowercased()
            let photo = UUID().uuidString.lowercased()
            try await client.commit([
                Ops.createArticle(kept, headline: "Lighthouse keeper retires"),
                Ops.createArticle(dropped, headline: "Lighthouse repainted"),
                Ops.createMedia(photo, ["caption": "Lighthouse at dusk", "credit": ["creator": "A. Berg", "source": "Reuters"]]),
            ])
            for round in 1...3 {
                try await client.commit([Ops.update("article", kept, set: ["headline": .string("Harbour master retires, round \(round)")])])
            }
            try await client.commit([Ops.delete("article", dropped)])
            try await client.commit([Ops.update("media", photo, set: ["credit.source": "Associated Press"])])

            let lighthouse = try await client.call("article.list", ["q": "lighthouse"])["items"]?.arrayValue ?? []
            #expect(lighthouse.isEmpty, "neither the old headline nor the deleted article is found")
            let harbour = try await client.call("article.list", ["q": "harbour"])["items"]?.arrayValue ?? []
            #expect(harbour.map { $0["id"] } == [.string(kept)])
            #expect(try await client.call("media.list", ["q": "reuters"])["items"] == .array([]))
            #expect(try await client.call("media.list", ["q": "associated"])["items"]?[0]?["id"] == .string(photo))
            await client.close()
        }
    }

    /// A search needs every word somewhere in the article, headline and subheadline or body
    /// (kept in two full-text tables, so an edit re-indexes only the part it changed): an edit
    /// of one part leaves the other part found, and the old words of the edited part are gone.
    @Test func searchFindsWordsAcrossHeadlineAndBodyAndFollowsEditsOfEitherPart() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let story = UUID().uuidString.lowercased()
            let other = UUID().uuidString.lowercased()
            try await client.commit([
                Ops.createArticle(story, headline: "Harbour cranes", [
                    "subheadline": "Strike day",
                    "body": [["type": "paragraph", "text": "The dockers stopped work at noon."]],
                ]),
                Ops.createArticle(other, headline: "Dockers elsewhere", ["body": [["type": "paragraph", "text": "Cranes idle."]]]),
            ])
            func found(_ query: String) async throws -> Set<String> {
                let items = try await client.call("article.list", ["q": .string(query)])["items"]?.arrayValue ?? []
                return Set(items.compactMap { $0["id"]?.stringValue })
            }
            #expect(try await found("cranes dockers") == [story, other], "one word in each part")
            #expect(try await found("strike dock") == [story], "the last word is a prefix, here in the body")
            #expect(try await found("noon harbour") == [story])

            try await client.commit([Ops.update("article", story, set: ["subheadline": "Quiet day"])])
            #expect(try await found("strike") == [])
            #expect(try await found("quiet dockers") == [story])
            #expect(try await found("noon") == [story], "the body was not re-indexed away")

            try await client.commit([Ops.update("article", story, set: ["body": [["type": "paragraph", "text": "Ships waited outside."]]])])
            #expect(try await found("noon") == [])
            #expect(try await found("ships cranes") == [story])
            #expect(try await found("quiet harbour") == [story], "the headline was not re-indexed away")

            try await client.commit([Ops.update("article", story, set: ["headline": "Harbour open", "body": [["type": "paragraph", "text": "Ferries sailed."]]])])
            #expect(try await found("cranes") == [other])
            #expect(try await found("open ferries") == [story])

            try await client.commit([Ops.delete("article", story)])
            #expect(try await found("ferries") == [])
            #expect(try await found("harbour") == [])
            if let sqlite = server.store as? SQLiteStore {
                #expect(try sqlite.check().isEmpty, "one row per live article in each search table")
            }
            await client.close()
        }
    }

    /// Concurrent changesets (group-committed together) are all searchable at their last state,
    /// and a dry run adds nothing to the full-text index.
    @Test func searchSeesEveryChangesetOfAGroupCommitAndNoDryRun() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let ids = (0..<12).map { _ in UUID().uuidString.lowercased() }
            try await withThrowingTaskGroup(of: Void.self) { group in
                for (index, id) in ids.enumerated() {
                    group.addTask {
                        try await client.commit([Ops.createArticle(id, headline: "Zebra crossing \(index)")])
                        try await client.commit([Ops.update("article", id, set: ["headline": .string("Zebra crossing \(index) repainted")])])
                    }
                }
                try await group.waitForAll()
            }
            let zebras = try await client.call("article.list", ["q": "zebra", "limit": 50])["items"]?.arrayValue ?? []
            #expect(Set(zebras.compactMap { $0["id"]?.stringValue }) == Set(ids))
            #expect(try await client.call("article.list", ["q": "repainted"])["items"]?.arrayValue?.count == 12)
            try await client.commit([Ops.createArticle(headline: "Okapi sighted")], dryRun: true)
            #expect(try await client.call("article.list", ["q": "okapi"])["items"] == .array([]))
            await client.close()
        }
    }

    @Test func changesetsAreListedAndShownWithTheirOps() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let id = UUID().uuidString.lowercased()
            try await client.commit([Ops.createArticle(id, headline: "One")], message: "first")
            try await client.commit([Ops.update("article", id, set: ["headline": "Two"])], message: "second")
            try await client.commit([Ops.createArticle(headline: "Unrelated")], message: "third")
            let all = try await client.call("changeset.list")["items"]?.arrayValue ?? []
            #expect(all.map { $0["message"] } == ["third", "second", "first"])
            let touching = try await client.call("changeset.list", ["entityId": .string(id)])["items"]?.arrayValue ?? []
            #expect(touching.map { $0["seq"] } == [2, 1])
            let second = try await client.call("changeset.get", ["seq": 2])
            #expect(second["ops"]?[0]?["set"]?["headline"] == "Two")
            #expect(second["results"]?[0]?["version"] == 2)
            let page = try await client.call("changeset.list", ["limit": 2])
            #expect(page["items"]?.arrayValue?.count == 2)
            let rest = try await client.call("changeset.list", ["limit": 2, "cursor": try #require(page["nextCursor"])])
            #expect(rest["items"]?.arrayValue?.map { $0["seq"] } == [1])
            await client.close()
        }
    }

    @Test func convenienceWrappersCommitOneOpChangesets() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let created = try await client.call("article.create", ["message": "new story", "data": ["headline": "Kyiv's Drone Attacks", "section": "world"]])
            let article = try #require(created["entity"])
            #expect(article["slug"] == "kyivs-drone-attacks")
            #expect(article["version"] == 1)
            #expect(created["changeset"]?["seq"] == 1)
            let id = try #require(article["id"])
            let updated = try await client.call("article.update", ["message": "fix", "id": id, "baseVersion": 1, "set": ["subheadline": "More"]])
            #expect(updated["entity"]?["subheadline"] == "More")
            let media = try await client.call("media.create", ["message": "photo", "data": ["uri": "media/a.jpg", "credit": ["creator": "A"]]])
            #expect(media["entity"]?["credit"]?["creditLine"] == "A")
            let deleted = try await client.call("article.delete", ["message": "gone", "id": id])
            #expect(deleted["entity"] == .null)
            #expect(deleted["changeset"]?["results"]?[0]?["op"] == "delete")
            await client.close()
        }
    }
}
