import Foundation
import JSONRPC
import Testing

extension CLIProcessTests {
    /// `galley` writes, exit codes and `article edit` through a live galleyd.
    @Suite struct CLIWritingTests {
        @Test func writeCommandsCommitOneChangesetEachAndSayWhat() async throws {
            let cli = try await CLIHarness.start()
            let photo = try await cli.ok(["media", "new", "--uri", "media/ferry.jpg", "--source", "reuters", "-m", "Photo", "--ids"]).trimmed
            #expect(try await cli.ok(["article", "new", "--headline", "Ferries return", "--section", "world", "--lead-media", photo, "-m", "Story"])
                .hasPrefix("created article ferries-return ("))
            try await cli.ok(["article", "new", "--headline", "Talks resume", "-m", "Story"])
            try await cli.ok(["article", "new", "--headline", "War timeline", "-m", "Story"])

            // set: text, JSON and repeatable --tag; only changed fields; nothing when already so.
            #expect(try await cli.ok(["article", "set", "ferries-return", "subheadline=After a long winter", #"bylines=[{"name":"Anna"}]"#, "-m", "Sub"]) == "updated article ferries-return to version 2 in changeset 5\n")
            try await cli.ok(["article", "set", "ferries-return", "--tag", "transport", "--tag", "istanbul", "-m", "Tags"])
            #expect(try await cli.json(["article", "show", "ferries-return"])["tags"] == ["transport", "istanbul"])
            #expect(try await cli.ok(["article", "set", "ferries-return", "section=world", "-m", "Same"]).contains("nothing to commit"))
            try await cli.ok(["article", "set", "ferries-return", "--unset", "subheadline", "--add-tag", "ferries", "--remove-tag", "istanbul", "-m", "Tidy"])
            let article = try await cli.json(["article", "show", "ferries-return"])
            #expect(article["subheadline"] == nil && article["tags"] == ["transport", "ferries"] && article["bylines"] == [["name": "Anna"]])

            // publish needs a credited lead photo: the server's refusal is exit 1 with its data and a next step.
            let refused = try await cli.galley(["article", "publish", "ferries-return", "-m", "Go"])
            #expect(refused.status == 1)
            #expect(refused.stderr.contains("uncredited_lead_media") && refused.stderr.contains("fix the ops"))
            #expect(try await cli.ok(["media", "set", photo, "--creator", "J. Doe", "--source", "Reuters", "--license", "Editorial", "-m", "Credit"]).hasPrefix("updated media \(photo) to version 2"))
            #expect(try await cli.json(["media", "show", photo])["credit"] == ["creator": "J. Doe", "source": "Reuters", "license": "Editorial", "creditLine": "J. Doe / Reuters"])
            try await cli.ok(["article", "publish", "ferries-return", "-m", "Go"])
            #expect(try await cli.json(["article", "show", "ferries-return"])["publishedAt"]?.stringValue != nil)
            try await cli.ok(["article", "unpublish", "ferries-return", "-m", "Hold"])
            #expect(try await cli.json(["article", "show", "ferries-return"])["status"] == "draft")
            try await cli.ok(["article", "archive", "talks-resume", "-m", "Old"])
            #expect(try await cli.json(["article", "show", "talks-resume"])["status"] == "archived")

            // links: add, reorder in one changeset, remove.
            try await cli.ok(["link", "add", "ferries-return", "talks-resume", "-m", "Rel"])
            try await cli.ok(["link", "add", "ferries-return", "war-timeline", "--kind", "background", "--label", "Context", "-m", "Rel"])
            #expect(try await cli.ok(["link", "reorder", "ferries-return", "war-timeline", "talks-resume", "-m", "Order"]).hasSuffix("(2 ops)\n"))
            var links = try await cli.json(["link", "list", "ferries-return"]).arrayValue ?? []
            #expect(links.map { $0["article"]?["slug"] } == ["war-timeline", "talks-resume"])
            #expect(links.first?["kind"] == "background" && links.first?["label"] == "Context")
            #expect(try await cli.ok(["link", "reorder", "ferries-return", "war-timeline", "-m", "Same"]).contains("nothing to commit"))
            try await cli.ok(["link", "remove", "ferries-return", "talks-resume", "-m", "Unrelated"])
            links = try await cli.json(["link", "list", "ferries-return"]).arrayValue ?? []
            #expect(links.map { $0["article"]?["slug"] } == ["war-timeline"])

            // delete takes its links along; revert brings both back.
            let deleted = try await cli.ok(["article", "delete", "war-timeline", "-m", "Duplicate"])
            #expect(deleted.contains("with 1 link to or from it"))
            let seq = Int(try await cli.ok(["changeset", "list", "--ids", "--limit", "1"]).trimmed)!
            #expect(try await cli.galley(["article", "show", "war-timeline"]).status == 1)
            try await cli.ok(["changeset", "revert", String(seq), "-m", "Not a duplicate"])
            #expect(try await cli.json(["link", "list", "ferries-return"]).arrayValue?.count == 1)
            let otherPhoto = try await cli.ok(["media", "new", "--uri", "media/unused.jpg", "-m", "Photo", "--ids"]).trimmed
            #expect(try await cli.galley(["media", "delete", photo, "-m", "In use"]).status == 1)
            #expect(try await cli.ok(["media", "delete", otherPhoto, "-m", "Unused"]).hasPrefix("deleted media \(otherPhoto) in changeset"))
            try await cli.stop()
        }

        @Test func exitCodesNameWhatToDoNext() async throws {
            let cli = try await CLIHarness.start()
            try await cli.ok(["article", "new", "--headline", "Ferries return", "-m", "Story"])
            // 2: usage errors (ArgumentParser's validation too), and a write without -m in a script.
            for arguments in [["article", "list", "--status", "nope"], ["article", "frobnicate"], ["article", "set", "ferries-return", "headline=x"], ["article", "set", "ferries-return", "nope=1", "-m", "x"], ["call", "server.info", "not json"]] {
                let result = try await cli.galley(arguments)
                #expect(result.status == 2, "\(arguments): \(result.stderr)")
            }
            #expect(try await cli.galley(["article", "set", "ferries-return", "headline=x"]).stderr.contains("add -m"))
            #expect(try await cli.galley(["article", "set", "ferries-return", "nope=1", "-m", "x"]).stderr.contains("nope is not a known field"))
            // 1: the server refused, with its data.
            let missing = try await cli.galley(["article", "show", "no-such-story"])
            #expect(missing.status == 1 && missing.stderr.contains("-32004") && missing.stderr.contains("\"slug\": \"no-such-story\"") && missing.stderr.contains("galley article list"))
            let anonymous = try await cli.galley(["article", "list"], environment: ["GALLEY_TOKEN": ""])
            #expect(anonymous.status == 1 && anonymous.stderr.contains("--token-file"))
            // 3: cannot connect.
            let unreachable = try await cli.galley(["article", "list", "--server", "127.0.0.1:1"])
            #expect(unreachable.status == 3 && unreachable.stderr.contains("Is galleyd running?"))
            // 4: a conflict; its fields are printed.
            let editor = cli.directory + "/concurrent-editor.sh"
            try """
                #!/bin/sh
                # Someone else changes the headline while this edit is open, then this edit changes it too.
                "\(ServerProcess.executable("galley").path)" article set ferries-return "headline=Theirs" -m "Concurrent" >/dev/null || exit 1
                sed -i 's/^headline: .*/headline: Mine/' "$1"
                """.write(toFile: editor, atomically: true, encoding: .utf8)
            chmod(editor, 0o755)
            let conflict = try await cli.galley(["article", "edit", "ferries-return", "-m", "Mine"], environment: ["EDITOR": editor])
            #expect(conflict.status == 4, "\(conflict.stderr)")
            #expect(conflict.stderr.contains("headline: base \"Ferries return\", theirs \"Theirs\", mine \"Mine\""))
            #expect(conflict.stderr.contains("your text is kept in"))
            #expect(try await cli.json(["article", "show", "ferries-return"])["headline"] == "Theirs")
            // --help has examples for every command.
            for command in [["article", "list"], ["article", "edit"], ["media", "set"], ["link", "reorder"], ["changeset", "revert"], ["bulk", "update"], ["import"], ["export"]] {
                let help = try await cli.galley(command + ["--help"])
                #expect(help.status == 0 && help.stdout.contains("Examples:"), "\(command)")
            }
            try await cli.stop()
        }

        @Test func editOpensTheEditorAndCommitsOnlyWhatChanged() async throws {
            let cli = try await CLIHarness.start()
            let photo = try await cli.ok(["media", "new", "--uri", "media/port.jpg", "--creator", "J. Doe", "-m", "Photo", "--ids"]).trimmed
            try await cli.ok(["article", "new", "--headline", "Ferries return", "--section", "world", "--tag", "transport", "--lead-media", photo, "-m", "Story"])
            let seen = cli.directory + "/seen.md"
            let editor = cli.directory + "/editor.sh"
            // A script stands in for a person: it keeps what it was shown and edits the headline, tags and body.
            try """
                #!/bin/sh
                cp "$1" "\(seen)"
                sed -i 's/^headline: .*/headline: Ferries are back/; s/^tags: .*/tags: transport, istanbul/' "$1"
                cat >> "$1" <<'MD'
                The first ferry left Eminönü at dawn.

                ## What changed

                > We waited all winter.
                > — A commuter

                1. Kadıköy
                2. Üsküdar

                ![The first ferry](media:\(photo))
                MD
                """.write(toFile: editor, atomically: true, encoding: .utf8)
            chmod(editor, 0o755)
            let edited = try await cli.ok(["article", "edit", "ferries-return", "-m", "Body and headline"], environment: ["EDITOR": editor])
            #expect(edited == "updated article ferries-return to version 2 in changeset 3\n")
            let shown = try String(contentsOfFile: seen, encoding: .utf8)
            #expect(shown.hasPrefix("---\n# galley: article "))
            #expect(shown.contains("\nheadline: Ferries return\n") && shown.contains("\nsection: world\n") && shown.contains("# lead media: media/port.jpg — J. Doe"))
            let article = try await cli.json(["article", "show", "ferries-return"])
            #expect(article["headline"] == "Ferries are back")
            #expect(article["tags"] == ["transport", "istanbul"])
            #expect(
                article["body"] == [
                    ["type": "paragraph", "text": "The first ferry left Eminönü at dawn."], ["type": "heading", "text": "What changed", "level": 2],
                    ["type": "quote", "text": "We waited all winter.", "attribution": "A commuter"],
                    ["type": "list", "items": ["Kadıköy", "Üsküdar"], "ordered": true],
                    ["type": "media", "mediaId": .string(photo), "caption": "The first ferry"],
                ]
            )
            // One changeset, based on version 1, touching only the changed fields.
            let changeset = try await cli.json(["changeset", "show", "3"])
            #expect(changeset["ops"]?[0]?["baseVersion"] == 1)
            #expect(Set(changeset["ops"]?[0]?["set"]?.objectValue?.keys ?? []) == ["headline", "tags", "body"])
            #expect(changeset["ops"]?[0]?["unset"] == nil)
            // Saving without a change commits nothing.
            #expect(try await cli.ok(["article", "edit", "ferries-return", "-m", "Nothing"], environment: ["EDITOR": "true"]) == "no changes: nothing to commit\n")
            try await cli.stop()
        }
    }
}
