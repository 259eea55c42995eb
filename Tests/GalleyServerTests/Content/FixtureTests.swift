import Foundation
import GalleyClient
import GalleyTestSupport
import JSONRPC
import JSONRPCTransport
import Testing

/// The real published story in `../shared/fixtures` commits as is and reads back as published.
@Suite struct FixtureTests {
    static let fixture = "fixtures/istanbul-talks.changeset.json"

    @Test(.enabled(if: SharedFolder.exists(fixture), "../shared/fixtures is absent (it is not part of the repo)"))
    func istanbulStoryCommitsAsIsAndReadsBack() async throws {
        let changeset = try JSONParser.parse(String(contentsOfFile: SharedFolder.path(Self.fixture), encoding: .utf8))
        try await TestServer.with { server in
            let client = try await server.client()
            let result = try await client.call("changeset.commit", try #require(changeset.objectValue))
            #expect(result["seq"] == 1)
            #expect(result["results"]?.arrayValue?.count == changeset["ops"]?.arrayValue?.count)

            let article = try await client.call("article.get", ["slug": "ukraine-and-russia-hold-talks-in-istanbul-after-kyivs-drone-attacks"])
            #expect(article["readingMinutes"] == 2)
            #expect(article["status"] == "published")
            #expect(article["publishedAt"] == "2025-06-01T20:00:00Z")
            #expect(article["leadMedia"]?["credit"]?["creditLine"] == "A.Savin / Wikimedia Commons")

            let links = try await client.call("link.list", ["articleId": try #require(article["id"])])
            let headlines = (links["items"]?.arrayValue ?? []).compactMap { $0["article"]?["headline"]?.stringValue }
            #expect(headlines == [
                "Ukraine to Default on Debt Payment",
                "Ukraine Drone Strikes Hit Siberia, Arctic; Russia Probes Train Sabotage",
                "Russia Confirms Ukrainian Drone Attacks on Multiple Military Airfields",
            ])

            // Committing the same file again is a replay, not a second copy.
            let again = try await client.call("changeset.commit", try #require(changeset.objectValue))
            #expect(again["replayed"] == true)
            #expect(again["seq"] == 1)
            #expect(try await client.call("server.info")["head"] == 1)
            await client.close()
        }
    }
}
