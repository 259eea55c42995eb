import Foundation
import JSONRPC
import Testing

extension CLIProcessTests {
    /// `galley article|media|link|changeset` reading commands through a live galleyd.
    @Suite struct CLIReadingTests {
        @Test func readingCommandsPrintTablesTextJSONNDJSONAndIDs() async throws {
            let cli = try await CLIHarness.start()
            // Content written through the CLI itself.
            let photo = try await cli.ok(["media", "new", "--uri", "media/istanbul.jpg", "--caption", "Delegations arrive", "--creator", "A.Savin", "--source", "Wikimedia Commons", "-m", "Photo", "--ids"]).trimmed
            let body = (1...300).map { "word\($0)" }.joined(separator: " ")
            let bodyFile = cli.directory + "/body.md"
            try "\(body)\n\n## What was agreed\n\n> We will meet again.\n> — A negotiator\n".write(toFile: bodyFile, atomically: true, encoding: .utf8)
            let story = try await cli.ok([
                "article", "new", "--headline", "Delegations meet in Istanbul", "--section", "world", "--tag", "diplomacy", "--byline", "Anna Kovalenko | Istanbul correspondent",
                "--lead-media", photo, "--body-file", bodyFile, "-m", "New story", "--ids",
            ]).trimmed
            for headline in ["Ceasefire talks stall", "A timeline of the war", "Grain corridor reopens"] {
                try await cli.ok(["article", "new", "--headline", headline, "--section", "world", "-m", "Related"])
            }
            try await cli.ok(["article", "new", "--headline", "Cup final tonight", "--section", "sport", "-m", "Sport"])
            for slug in ["ceasefire-talks-stall", "a-timeline-of-the-war", "grain-corridor-reopens"] {
                try await cli.ok(["link", "add", "delegations-meet-in-istanbul", slug, "-m", "Related"])
            }
            try await cli.ok(["link", "reorder", "delegations-meet-in-istanbul", "a-timeline-of-the-war", "-m", "Timeline first"])

            // article list: a table with a header, TSV when piped, JSON, NDJSON, ids; filters.
            let table = try await cli.ok(["article", "list", "--section", "world", "--table"]).lines
            #expect(table.count == 5)
            #expect(table[0].hasPrefix("ID") && table[0].contains("SLUG") && table[0].contains("HEADLINE"))
            let headlineColumn = table[0].range(of: "HEADLINE")!.lowerBound.utf16Offset(in: table[0])
            for row in table.dropFirst() { #expect(row.utf16.count > headlineColumn) }
            #expect(table[1...].contains { $0.contains("delegations-meet-in-istanbul") && $0.contains("Delegations meet in Istanbul") })
            let tsv = try await cli.ok(["article", "list", "--section", "world"]).lines
            #expect(tsv.count == 4)
            #expect(tsv.allSatisfy { $0.split(separator: "\t", omittingEmptySubsequences: false).count == 7 })
            let listed = try await cli.json(["article", "list", "--section", "world"]).arrayValue ?? []
            #expect(listed.count == 4)
            #expect(Set(listed.compactMap { $0["slug"]?.stringValue }) == ["delegations-meet-in-istanbul", "ceasefire-talks-stall", "a-timeline-of-the-war", "grain-corridor-reopens"])
            let ndjson = try await cli.ok(["article", "list", "--ndjson", "--tag", "diplomacy"]).lines
            #expect(ndjson.count == 1)
            #expect(try JSONParser.parse(ndjson[0])["id"]?.stringValue == story)
            #expect(try await cli.ok(["article", "list", "--ids", "--section", "sport"]).lines.count == 1)
            #expect(try await cli.ok(["article", "list", "--ids", "--query", "agreed"]).trimmed == story)
            #expect(try await cli.ok(["article", "list", "--ids", "--limit", "2"]).lines.count == 2)
            #expect(try await cli.ok(["article", "list", "--ids", "--updated-after", "2000-01-01T00:00:00Z"]).lines.count == 5)

            // article show: readable text with the credit line, reading time and related stories in order.
            let shown = try await cli.ok(["article", "show", "delegations-meet-in-istanbul", "--table"])
            #expect(shown.hasPrefix("Delegations meet in Istanbul\n"))
            #expect(shown.contains("draft · world · 2 min read · version 1"))
            #expect(shown.contains("by:        Anna Kovalenko (Istanbul correspondent)"))
            #expect(shown.contains("lead:      media/istanbul.jpg — A.Savin / Wikimedia Commons"))
            #expect(shown.contains("## What was agreed\n\n> We will meet again.\n> — A negotiator"))
            #expect(shown.contains("Related stories:\n  1. A timeline of the war (a-timeline-of-the-war)\n  2. Ceasefire talks stall (ceasefire-talks-stall)\n  3. Grain corridor reopens (grain-corridor-reopens)\n"))
            let json = try await cli.json(["article", "show", story])
            #expect(json["readingMinutes"] == 2)
            #expect(json["leadMedia"]?["credit"]?["creditLine"] == "A.Savin / Wikimedia Commons")
            #expect(try await cli.ok(["article", "show", "delegations-meet-in-istanbul", "--ids"]).trimmed == story)

            // history and old versions.
            try await cli.ok(["article", "set", "delegations-meet-in-istanbul", "headline=Delegations meet in Istanbul for talks", "-m", "Sharper"])
            let history = try await cli.ok(["article", "history", "delegations-meet-in-istanbul", "--table"]).lines
            #expect(history.count == 3)
            #expect(history[1].contains("update") && history[1].contains("headline") && history[1].contains("Sharper"))
            #expect(history[2].contains("create") && history[2].contains("New story"))
            #expect(try await cli.json(["article", "show", story, "--version", "1"])["headline"] == "Delegations meet in Istanbul")

            // media list/show/usage.
            let media = try await cli.ok(["media", "list", "--table"]).lines
            #expect(media.count == 2 && media[1].contains("A.Savin / Wikimedia Commons") && media[1].contains("media/istanbul.jpg"))
            let mediaText = try await cli.ok(["media", "show", photo, "--table"])
            #expect(mediaText.contains("credit:    A.Savin / Wikimedia Commons"))
            #expect(mediaText.contains("delegations-meet-in-istanbul (lead, draft)"))
            #expect(try await cli.ok(["media", "usage", photo, "--ids"]).trimmed == story)
            #expect(try await cli.ok(["media", "usage", photo, "--table"]).contains("lead"))
            #expect(try await cli.ok(["media", "list", "--ids", "--query", "Savin"]).trimmed == photo)

            // link list, outbound in order and inbound.
            let links = try await cli.ok(["link", "list", "delegations-meet-in-istanbul", "--table"]).lines
            #expect(links.count == 4)
            #expect(links[1].contains("a-timeline-of-the-war") && links[2].contains("ceasefire-talks-stall") && links[3].contains("grain-corridor-reopens"))
            let inbound = try await cli.json(["link", "list", "grain-corridor-reopens", "--in"]).arrayValue ?? []
            #expect(inbound.count == 1 && inbound[0]["article"]?["id"]?.stringValue == story)

            // changeset list/show.
            let changesets = try await cli.ok(["changeset", "list", "--table", "--limit", "3"]).lines
            #expect(changesets.count == 4 && changesets[1].contains("Sharper") && changesets[2].contains("Timeline first"))
            #expect(try await cli.ok(["changeset", "list", "--ids", "--entity", story]).lines == ["11", "2"])
            let changeset = try await cli.ok(["changeset", "show", "2", "--table"])
            #expect(changeset.hasPrefix("changeset 2: New story\n"))
            #expect(changeset.contains("create article \(story) -> v1"))
            try await cli.stop()
        }
    }
}
