import Foundation
import GalleyClient
import GalleyTestSupport
import JSONRPC
import NIOConcurrencyHelpers
import Testing

/// `article.get` and `media.get` results are kept encoded and served again while the entity
/// version and its lead media version are unchanged: what clients read must never differ from a
/// fresh read.
@Suite struct ReadReplyTests {
    @Test func aRepeatedReadReturnsWhatTheWriteAndTheFirstReadReturned() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let photo = UUID().uuidString.lowercased()
            try await client.commit([Ops.createMedia(photo, ["caption": "Quay", "credit": ["creator": "J. Doe", "source": "Reuters"]])])
            let created = try await client.call(
                "article.create",
                ["message": "new", "data": ["headline": "Quayside", "leadMediaId": .string(photo), "body": [["type": "paragraph", "text": "Tab\there, \"quoted\", café."]]]]
            )
            let written = try #require(created["entity"])
            let id = try #require(written["id"])
            let first = try await client.call("article.get", ["id": id])
            let second = try await client.call("article.get", ["id": id])
            #expect(first == written)
            #expect(second == written)
            #expect(second["leadMedia"]?["credit"]?["creditLine"] == "J. Doe / Reuters")
            #expect(try await client.call("media.get", ["id": .string(photo)]) == (try await client.call("media.get", ["id": .string(photo)])))
            await client.close()
        }
    }

    @Test func anArticleReadShowsItsLeadMediaAsItIsNow() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let photo = UUID().uuidString.lowercased()
            let other = UUID().uuidString.lowercased()
            let story = UUID().uuidString.lowercased()
            try await client.commit([
                Ops.createMedia(photo, ["caption": "Before"]),
                Ops.createMedia(other, ["caption": "Other"]),
                Ops.createArticle(story, headline: "Lead", ["leadMediaId": .string(photo)]),
            ])
            #expect(try await client.call("article.get", ["id": .string(story)])["leadMedia"]?["caption"] == "Before")
            // The media changes, the article does not: the kept result for version 1 is stale.
            try await client.commit([Ops.update("media", photo, set: ["caption": "After"])])
            let read = try await client.call("article.get", ["id": .string(story)])
            #expect(read["version"] == 1)
            #expect(read["leadMedia"]?["caption"] == "After")
            #expect(read["leadMedia"]?["version"] == 2)
            #expect(try await client.call("media.get", ["id": .string(photo)])["caption"] == "After")
            // A point-in-time read of the article shows the lead media's current state too.
            try await client.commit([Ops.update("article", story, set: ["leadMediaId": .string(other)])])
            #expect(try await client.call("article.get", ["id": .string(story)])["leadMedia"]?["caption"] == "Other")
            let old = try await client.call("article.get", ["id": .string(story), "version": 1])
            #expect(old["leadMediaId"] == .string(photo))
            #expect(old["leadMedia"]?["caption"] == "After")
            try await client.commit([Ops.update("media", photo, set: ["caption": "Later"])])
            #expect(try await client.call("article.get", ["id": .string(story), "version": 1])["leadMedia"]?["caption"] == "Later")
            await client.close()
        }
    }

    @Test func keptResultsDoNotHideVersionsOrDeletes() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let id = UUID().uuidString.lowercased()
            try await client.commit([Ops.createArticle(id, headline: "One")])
            #expect(try await client.call("article.get", ["id": .string(id)])["headline"] == "One")
            #expect(try await client.call("article.get", ["id": .string(id), "version": 1])["headline"] == "One")
            try await client.commit([Ops.update("article", id, set: ["headline": "Two"])])
            #expect(try await client.call("article.get", ["id": .string(id)])["headline"] == "Two")
            #expect(try await client.call("article.get", ["id": .string(id), "version": 1])["headline"] == "One")
            let missing = await client.failure("article.get", ["id": .string(id), "version": 3])
            #expect(missing?.code == -32004)
            #expect(missing?.data?["currentVersion"] == 2)

            try await client.commit([Ops.delete("article", id)])
            let gone = await client.failure("article.get", ["id": .string(id)])
            #expect(gone?.data?["deleted"] == true)
            let deleted = try await client.call("article.get", ["id": .string(id), "includeDeleted": true])
            #expect(deleted["deleted"] == true)
            #expect(try await client.call("article.get", ["id": .string(id), "version": 2])["deleted"] == nil)
            // The id is an article's: media.get does not serve it, kept or not.
            #expect(await client.failure("media.get", ["id": .string(id), "includeDeleted": true])?.code == -32004)
            await client.close()
        }
    }

    /// Another connection keeps reading the article (so its result is marked current and
    /// served from memory) while a writer changes the article, then its lead media: every read
    /// made after a write was acknowledged shows that write.
    @Test func aReadAfterAnAcknowledgedWriteShowsItWhileOthersKeepReading() async throws {
        try await TestServer.with { server in
            let writer = try await server.client()
            let reader = try await server.client()
            let other = try await server.client()
            let photo = UUID().uuidString.lowercased()
            let story = UUID().uuidString.lowercased()
            try await writer.commit([
                Ops.createMedia(photo, ["caption": "Caption 0"]),
                Ops.createArticle(story, headline: "Round 0", ["leadMediaId": .string(photo)]),
            ])
            let rounds = 40
            let written = ManagedCounter()
            let background = Task {
                // Bounded: stops after the writer's last round or 20,000 reads.
                for _ in 0..<20_000 where written.value < rounds {
                    _ = try await other.call("article.get", ["id": .string(story)])
                }
            }
            for round in 1...rounds {
                if round.isMultiple(of: 2) {
                    try await writer.commit([Ops.update("article", story, set: ["headline": .string("Round \(round)")])])
                } else {
                    try await writer.commit([Ops.update("media", photo, set: ["caption": .string("Caption \(round)")])])
                }
                written.increment()
                let read = try await reader.call("article.get", ["id": .string(story)])
                #expect(read["headline"] == .string("Round \(round - round % 2)"), "round \(round)")
                #expect(read["leadMedia"]?["caption"] == .string("Caption \(round - (round + 1) % 2)"), "round \(round)")
            }
            try await background.value
            for client in [writer, reader, other] { await client.close() }
        }
    }
}

/// A counter shared between a test and its background task.
private final class ManagedCounter: Sendable {
    private let box = NIOLockedValueBox(0)
    var value: Int { self.box.withLockedValue { $0 } }
    func increment() { self.box.withLockedValue { $0 += 1 } }
}
