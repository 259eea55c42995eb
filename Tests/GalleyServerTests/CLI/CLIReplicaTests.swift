import Foundation
import GalleyClient
import GalleyTestSupport
import JSONRPC
import Testing

extension CLIProcessTests {
    /// The same commands inside a replica (issue 5): reads from the local copy and writes queued to
    /// the outbox with the server stopped, then pushed by `galley sync` when it is back.
    @Suite struct CLIReplicaTests {
        @Test func everyCommandWorksOfflineInsideAReplicaAndSyncPushesTheEditsLater() async throws {
            let cli = try await CLIHarness.start()
            let photo = try await cli.ok(["media", "new", "--uri", "media/ferry.jpg", "--caption", "A ferry at dawn", "-m", "Photo", "--ids"]).trimmed
            try await cli.ok(["article", "new", "--headline", "Ferries return to the Bosphorus", "--section", "world", "--lead-media", photo, "-m", "Story"])
            try await cli.ok(["article", "new", "--headline", "Talks resume", "--section", "world", "--tag", "diplomacy", "-m", "Story"])
            try await cli.ok(["article", "new", "--headline", "Council budget", "--section", "local", "-m", "Story"])
            try await cli.ok(["link", "add", "ferries-return-to-the-bosphorus", "talks-resume", "-m", "Related"])
            let tokenFile = cli.directory + "/admin.token"
            try cli.server.adminToken.write(toFile: tokenFile, atomically: true, encoding: .utf8)
            let desk = cli.directory + "/desk"
            try await cli.ok(["clone", cli.server.address, desk, "--token-file", tokenFile])
            let notes = desk + "/notes"
            try FileManager.default.createDirectory(atPath: notes, withIntermediateDirectories: true)

            // Offline: the server is gone, GALLEY_SERVER still names it; inside the replica the
            // replica wins, from any subdirectory.
            let address = cli.server.address
            let port = String(address.split(separator: ":").last!)
            #expect(try await cli.server.stop() == 0)

            let ids = try await cli.ok(["article", "list", "--section", "world", "--ids"], in: notes)
            #expect(ids.lines.count == 2)
            let listed = try await cli.json(["article", "list", "--query", "bospho"], in: notes).arrayValue ?? []
            #expect(listed.map { $0["slug"] } == ["ferries-return-to-the-bosphorus"], "the last query word matches as a prefix, as on the server")
            #expect(try await cli.json(["article", "list", "--tag", "diplomacy"], in: notes).arrayValue?.count == 1)
            let shown = try await cli.json(["article", "show", "ferries-return-to-the-bosphorus"], in: notes)
            #expect(shown["leadMedia"]?["caption"] == "A ferry at dawn")
            #expect(try await cli.json(["link", "list", "ferries-return-to-the-bosphorus"], in: notes).arrayValue?.first?["article"]?["slug"] == "talks-resume")
            #expect(try await cli.json(["media", "usage", photo], in: notes).arrayValue?.first?["role"] == "lead")

            // Writes: queued, visible to the next read, said so.
            let set = try await cli.ok(["article", "set", "talks-resume", "headline=Talks resume in Istanbul", "-m", "Sharper"], in: notes)
            #expect(set.contains("in the replica: queued as changeset"), "\(set)")
            #expect(try await cli.json(["article", "show", "talks-resume"], in: notes)["headline"] == "Talks resume in Istanbul")
            let newID = try await cli.ok(["article", "new", "--headline", "Written on the train", "--section", "world", "-m", "Draft", "--ids"], in: notes).trimmed
            try await cli.ok(["media", "set", photo, "--creator", "J. Doe", "--source", "Reuters", "-m", "Credit"], in: notes)
            try await cli.ok(["link", "add", "ferries-return-to-the-bosphorus", "written-on-the-train", "-m", "Related"], in: notes)
            let dryRun = try await cli.ok(["bulk", "update", "--where", "section=world", "--set", "status=archived", "-m", "Archive world"], in: notes)
            #expect(dryRun.contains("dry run: 3 articles matched"), "\(dryRun)")
            try await cli.ok(["bulk", "update", "--where", "section=local", "--add-tag", "budget", "-m", "Tag local", "--apply"], in: notes)

            // The outbox stands in for changeset list; what only the server has says so.
            let queued = try await cli.json(["changeset", "list"], in: notes).arrayValue ?? []
            #expect(queued.count == 5)
            #expect(queued.allSatisfy { $0["seq"] == .null && $0["status"] == "pending" })
            let history = try await cli.galley(["article", "history", "talks-resume"], in: notes)
            #expect(history.status == 2 && history.stderr.contains("--server \(address)"))
            // Only an explicit --server goes online from inside a replica (and here it is down).
            #expect(try await cli.galley(["article", "list", "--server", address], in: notes).status == 3)
            // A rule the model checks is refused with the server's error; nothing is queued.
            let clash = try await cli.galley(["article", "set", "council-budget", "slug=talks-resume", "-m", "Clash"], in: notes)
            #expect(clash.status == 1 && clash.stderr.contains("error -32010"), "\(clash.stderr)")
            #expect(try await cli.json(["changeset", "list"], in: notes).arrayValue?.count == 5)
            let exported = try await cli.ok(["export"], in: notes)
            let exportedLines: Int = exported.lines.count
            #expect(exportedLines == 8, "a header, 4 articles, 1 photo, 2 links")

            // Back online on the same address: one sync pushes every queued edit, once.
            let restarted = try await ServerProcess.start(dataDirectory: cli.directory + "/galley-data", extraArguments: ["--listen", "127.0.0.1:\(port)"])
            try await cli.ok(["sync"], in: notes)
            #expect(try await cli.json(["changeset", "list"], in: notes).arrayValue?.isEmpty == true)
            let client = try await GalleyClient.connect(to: restarted.address, token: restarted.adminToken)
            #expect(try await client.call("article.get", ["slug": "talks-resume"])["headline"] == "Talks resume in Istanbul")
            #expect(try await client.call("article.get", ["id": .string(newID)])["section"] == "world")
            #expect(try await client.call("media.get", ["id": .string(photo)])["credit"]?["creditLine"] == "J. Doe / Reuters")
            #expect(try await client.call("article.get", ["slug": "council-budget"])["tags"] == ["budget"])
            let links = try await client.call("link.list", ["articleId": .string(shown["id"]?.stringValue ?? "")])["items"]?.arrayValue ?? []
            #expect(links.count == 2)
            #expect(try await client.call("changeset.list", [:])["items"]?.arrayValue?.count == 5 + 5, "five online, five pushed")
            // --server from inside the replica now reaches the server directly.
            #expect(try await cli.ok(["article", "history", "talks-resume", "--server", address, "--ids"], in: notes).lines.count == 2)
            await client.close()
            #expect(try await restarted.stop() == 0)
            TemporaryDirectory.remove(cli.directory)
        }

        @Test func theRemainingWritesAreQueuedInAReplicaAndReachTheServerOnlyOnSync() async throws {
            let cli = try await CLIHarness.start()
            let photo = try await cli.ok(["media", "new", "--uri", "media/port.jpg", "--creator", "J. Doe", "--source", "AP", "-m", "Photo", "--ids"]).trimmed
            try await cli.ok(["article", "new", "--headline", "Ferries return", "--section", "world", "--lead-media", photo, "-m", "Story"])
            try await cli.ok(["article", "new", "--headline", "Talks resume", "--section", "world", "-m", "Story"])
            try await cli.ok(["link", "add", "ferries-return", "talks-resume", "-m", "Related"])
            let tokenFile = cli.directory + "/admin.token"
            try cli.server.adminToken.write(toFile: tokenFile, atomically: true, encoding: .utf8)
            let desk = cli.directory + "/desk"
            try await cli.ok(["clone", cli.server.address, desk, "--token-file", tokenFile])
            let head = try await cli.ok(["changeset", "list", "--ids", "--limit", "1"]).trimmed

            // article edit: $EDITOR on the local copy; one queued changeset with only the headline.
            let editor = cli.directory + "/editor.sh"
            try "#!/bin/sh\nsed -i 's/^headline: .*/headline: Ferries are back/' \"$1\"\n".write(toFile: editor, atomically: true, encoding: .utf8)
            chmod(editor, 0o755)
            let edited = try await cli.ok(["article", "edit", "ferries-return", "-m", "Headline"], environment: ["EDITOR": editor], in: desk)
            #expect(edited.contains("updated article ferries-return to version 1 in the replica: queued as changeset"), "\(edited)")
            try await cli.ok(["article", "publish", "ferries-return", "-m", "Go"], in: desk)
            try await cli.ok(["article", "archive", "talks-resume", "-m", "Old"], in: desk)
            try await cli.ok(["article", "new", "--headline", "War timeline", "--section", "world", "-m", "Story"], in: desk)
            try await cli.ok(["article", "new", "--headline", "Match report", "--section", "sport", "-m", "Story"], in: desk)
            try await cli.ok(["link", "add", "ferries-return", "war-timeline", "-m", "Related"], in: desk)
            try await cli.ok(["link", "reorder", "ferries-return", "war-timeline", "talks-resume", "-m", "Order"], in: desk)
            #expect(try await cli.json(["link", "list", "ferries-return"], in: desk).arrayValue?.map { $0["article"]?["slug"] } == ["war-timeline", "talks-resume"])
            try await cli.ok(["link", "remove", "ferries-return", "talks-resume", "-m", "Unrelated"], in: desk)
            let spare = try await cli.ok(["media", "new", "--uri", "media/spare.jpg", "-m", "Spare", "--ids"], in: desk).trimmed
            #expect(try await cli.ok(["media", "list", "--ids"], in: desk).lines.count == 2)
            #expect(try await cli.json(["media", "show", spare], in: desk)["uri"] == "media/spare.jpg")
            try await cli.ok(["media", "delete", spare, "-m", "Not needed"], in: desk)
            #expect(try await cli.galley(["media", "show", spare], in: desk).status == 1)
            try await cli.ok(["bulk", "delete", "--where", "section=sport", "-m", "No sport", "--apply"], in: desk)
            let ndjson = cli.directory + "/more.ndjson"
            let header = #"{"format":"galley-export","formatVersion":1,"head":0}"#
            let item = #"{"type":"article","id":"0190a6e2-7c1f-7b3e-9a4d-2f5e8c1b0a93","version":1,"seq":1,"deleted":false,"data":{"headline":"Imported offline","slug":"imported-offline"}}"#
            try (header + "\n" + item + "\n").write(toFile: ndjson, atomically: true, encoding: .utf8)
            #expect(try await cli.ok(["import", ndjson, "-m", "Import", "--apply"], in: desk).contains("1 created"))

            // The queue, one entry per command; show by id; revert names the online command.
            let queued = try await cli.ok(["changeset", "list", "--ids"], in: desk).lines
            #expect(queued.count == 12)
            let shown = try await cli.json(["changeset", "show", queued[0]], in: desk)
            #expect(shown["message"] == "Headline" && shown["ops"]?[0]?["set"]?["headline"] == "Ferries are back")
            let revert = try await cli.galley(["changeset", "revert", head, "-m", "Undo"], in: desk)
            #expect(revert.status == 2 && revert.stderr.contains("changeset revert \(head) --server"))

            // Nothing reached the server until the sync; then everything did, once.
            #expect(try await cli.ok(["changeset", "list", "--ids", "--limit", "1"]).trimmed == head)
            try await cli.ok(["sync"], in: desk)
            #expect(try await cli.ok(["changeset", "list", "--ids", "--limit", "100"]).lines.count == Int(head)! + 12)
            let ferries = try await cli.json(["article", "show", "ferries-return"])
            #expect(ferries["headline"] == "Ferries are back" && ferries["status"] == "published")
            #expect(try await cli.json(["article", "show", "talks-resume"])["status"] == "archived")
            #expect(try await cli.json(["link", "list", "ferries-return"]).arrayValue?.map { $0["article"]?["slug"] } == ["war-timeline"])
            #expect(try await cli.galley(["article", "show", "match-report"]).status == 1)
            #expect(try await cli.galley(["media", "show", spare]).status == 1)
            #expect(try await cli.json(["article", "show", "imported-offline"])["headline"] == "Imported offline")
            try await cli.stop()
        }
    }
}
