import Foundation
import GalleyTestSupport
import JSONRPC
import Testing

extension CLIProcessTests {
    /// `galley bulk` and `galley export/import` through live galleyd processes.
    @Suite struct CLIBulkTests {
        @Test func bulkUpdateIsADryRunUntilApplyThenSplitsAndResumes() async throws {
            let cli = try await CLIHarness.start()
            var ops: [String] = []
            for index in 1...7 {
                ops.append(#"{"op":"create","type":"article","data":{"headline":"World story \#(index)","section":"world","tags":["kyiv"]}}"#)
            }
            ops.append(#"{"op":"create","type":"article","data":{"headline":"Already out","section":"world","status":"published"}}"#)
            ops.append(#"{"op":"create","type":"article","data":{"headline":"Sport story","section":"sport"}}"#)
            try await cli.ok(["call", "changeset.commit", #"{"id":"6f1c2d3e-0000-4000-8000-000000000001","message":"Seed","ops":[\#(ops.joined(separator: ","))]}"#])
            let select = ["bulk", "update", "--where", "section=world", "--where", "status=draft", "--set", "status=published", "-m", "Publish world"]

            // Dry run: counts, a sample diff, nothing committed.
            let dry = try await cli.ok(select)
            #expect(dry.hasPrefix("dry run: 7 articles matched; 7 would change.\n"))
            #expect(dry.contains(#"  status: "draft" -> "published""#))
            #expect(dry.contains("sample of the changes:"))
            #expect(try await cli.ok(["article", "list", "--status", "published", "--ids"]).lines.count == 1)

            // Applied in changesets of 3 (the 10,000 limit, made small), stopped after the first...
            let first = try await cli.ok(select + ["--apply", "--chunk-size", "3", "--stop-after", "1"])
            #expect(first.contains("in 3 changesets of at most 3 ops") && first.contains("committed 1 changeset (seq 2); stopped early"))
            #expect(try await cli.ok(["article", "list", "--status", "published", "--ids"]).lines.count == 4)
            // ...then re-run: the committed changeset is found by its derived id and skipped, the rest finish.
            let second = try await cli.ok(select + ["--apply", "--chunk-size", "3"])
            #expect(second.contains("4 articles matched; 4 would change, in 2 changesets") && second.contains("1 of its changesets are committed and skipped"))
            #expect(second.contains("committed 2 changesets (seq 3, 4)"))
            #expect(try await cli.ok(["article", "list", "--status", "draft", "--ids"]).lines.count == 1)
            for seq in 2...4 { #expect(try await cli.json(["changeset", "show", String(seq)])["message"] == "Publish world") }
            #expect(try await cli.ok(select + ["--apply"]).contains("0 articles matched"))

            // Retag by --add-tag/--remove-tag, with ids from another command on stdin.
            let ids = try await cli.ok(["article", "list", "--tag", "kyiv", "--ids", "--all"])
            let retag = try await cli.ok(["bulk", "update", "--ids", "-", "--add-tag", "ukraine", "--remove-tag", "kyiv", "-m", "Retag", "--apply"], stdin: ids)
            #expect(retag.contains("7 articles matched; 7 would change") && retag.contains(#"tags: ["kyiv"] -> ["ukraine"]"#))
            #expect(try await cli.ok(["article", "list", "--tag", "ukraine", "--ids"]).lines.count == 7)
            #expect(try await cli.ok(["article", "list", "--tag", "kyiv", "--ids"]).isEmpty)

            // Media credit paths.
            try await cli.ok(["media", "new", "--uri", "a.jpg", "--creator", "A", "--source", "reuters", "-m", "p"])
            try await cli.ok(["media", "new", "--uri", "b.jpg", "--creator", "B", "--source", "AP", "-m", "p"])
            let credit = try await cli.ok(["bulk", "update", "--type", "media", "--where", "query=reuters", "--set", "credit.source=Reuters", "-m", "Credit", "--apply"])
            #expect(credit.contains(#"credit.source: "reuters" -> "Reuters""#))
            #expect(Set(try await cli.ok(["media", "list"]).lines.map { $0.split(separator: "\t")[2] }) == ["A / Reuters", "B / AP"])

            // A conflict in a bulk run exits 4 and says how to go on; bad filters are usage errors.
            #expect(try await cli.galley(["bulk", "update", "--where", "colour=red", "--set", "status=draft", "-m", "x"]).status == 2)
            #expect(try await cli.galley(["bulk", "update", "--where", "section=world", "-m", "x"]).status == 2)

            // bulk delete: dry run, then apply (with the sport story's links).
            #expect(try await cli.ok(["bulk", "delete", "--where", "section=sport", "-m", "Drop sport"]).hasPrefix("dry run: 1 article matched"))
            try await cli.ok(["bulk", "delete", "--where", "section=sport", "-m", "Drop sport", "--apply"])
            #expect(try await cli.ok(["article", "list", "--section", "sport", "--ids"]).isEmpty)
            try await cli.stop()
        }

        @Test func exportThenImportIntoAnEmptyServerReproducesEveryEntity() async throws {
            let source = try await CLIHarness.start()
            let target = try await CLIHarness.start()
            let photo = try await source.ok(["media", "new", "--uri", "media/istanbul.jpg", "--caption", "Arrival", "--alt-text", "Two delegations", "--width", "4000", "--height", "2667", "--creator", "A.Savin", "--source", "Wikimedia Commons", "--license", "CC BY-SA 4.0", "-m", "p", "--ids"]).trimmed
            try await source.ok(["media", "new", "--uri", "media/graphic.svg", "--kind", "graphic", "--credit-line", "Graphics desk", "-m", "p"])
            let bodyFile = source.directory + "/body.md"
            try "First paragraph.\n\n## Heading\n\n> Quote\n> — Someone\n\n- a\n- b\n\n![Caption](media:\(photo))\n".write(toFile: bodyFile, atomically: true, encoding: .utf8)
            try await source.ok(["article", "new", "--headline", "Delegations meet", "--subheadline", "Sub", "--section", "world", "--tag", "a", "--tag", "b", "--byline", "Anna | Correspondent", "--lead-media", photo, "--body-file", bodyFile, "--status", "published", "-m", "s"])
            try await source.ok(["article", "new", "--headline", "Related one", "-m", "s"])
            try await source.ok(["article", "new", "--headline", "Related two", "--status", "archived", "-m", "s"])
            try await source.ok(["link", "add", "delegations-meet", "related-two", "-m", "l"])
            try await source.ok(["link", "add", "delegations-meet", "related-one", "--kind", "follow-up", "--label", "Next", "-m", "l"])
            try await source.ok(["article", "new", "--headline", "Gone", "-m", "s"])
            try await source.ok(["article", "delete", "gone", "-m", "s"])

            let exported = try await source.ok(["export"])
            let lines = exported.lines
            let header = try JSONParser.parse(lines[0])
            #expect(header["format"] == "galley-export" && header["formatVersion"] == 1 && header["head"] == 9)
            #expect(header["counts"] == ["media": 2, "article": 3, "link": 2])
            #expect(try lines.dropFirst().map { try JSONParser.parse($0)["type"]?.stringValue ?? "" } == ["media", "media", "article", "article", "article", "link", "link"])
            let file = source.directory + "/content.ndjson"
            try exported.write(toFile: file, atomically: true, encoding: .utf8)

            let missing = try await target.galley(["import", source.directory + "/missing.ndjson"])
            #expect(missing.status == 2 && missing.stderr.contains("cannot read \(source.directory)/missing.ndjson: No such file or directory"), "\(missing.stderr)")
            let dry = try await target.ok(["import", file])
            #expect(dry.contains("dry run: 7 entities read (export of head 9): 7 created, 0 updated, 0 unchanged, 0 failed"))
            #expect(dry.contains("The server checked the changes."))
            // In more than one changeset, later ones refer to what earlier ones create: a dry run
            // can only be checked locally, and says so.
            let dryInThree = try await target.ok(["import", file, "--chunk-size", "3"])
            #expect(dryInThree.contains("dry run: 7 entities read (export of head 9): 7 created, 0 updated, 0 unchanged, 0 failed"))
            #expect(dryInThree.contains("Checked locally only"))
            #expect(try await target.ok(["export"]).lines.count == 1)
            let applied = try await target.ok(["import", file, "--apply", "-m", "Copy", "--chunk-size", "3"])
            #expect(applied.contains("7 created, 0 updated, 0 unchanged, 0 failed") && applied.contains("changesets: 1, 2, 3"))
            #expect(try Self.entities(try await target.ok(["export"])) == Self.entities(exported))
            #expect(try await target.ok(["import", file, "--apply", "-m", "Copy"]).contains("0 created, 0 updated, 7 unchanged, 0 failed"))
            // A file that went through an editor: CRLF line ends, indented lines, blank lines.
            let edited = exported.split(separator: "\n").map { "  " + $0 + "\t\r\n\r\n   \r\n" }.joined()
            try edited.write(toFile: file, atomically: true, encoding: .utf8)
            #expect(try await target.ok(["import", file, "--apply", "-m", "Copy"]).contains("0 created, 0 updated, 7 unchanged, 0 failed"))
            try exported.write(toFile: file, atomically: true, encoding: .utf8)

            // Updates by id; a broken line and a refused entity are reported with their reasons.
            try await target.ok(["article", "set", "delegations-meet", "headline=Changed on the target", "-m", "t"])
            let damaged = exported.replacingOccurrences(of: #""headline":"Related one""#, with: #""headline":"""#) + "not json\n"
            try damaged.write(toFile: file, atomically: true, encoding: .utf8)
            let partial = try await target.galley(["import", file, "--apply", "-m", "Again"])
            #expect(partial.status == 1)
            #expect(partial.stdout.contains("0 created, 1 updated, 5 unchanged, 2 failed"))
            #expect(partial.stderr.contains("data.headline must be at least 1 character") && partial.stderr.contains("line 9: not JSON"))
            #expect(try await target.json(["article", "show", "delegations-meet"])["headline"] == "Delegations meet")
            try await source.stop()
            try await target.stop()
        }

        /// Each changeset after the first is sent while the one before it commits. An entity the
        /// target refuses in one changeset makes what refers to it in the next fail too, and
        /// nothing else: every other entity arrives, each failure is reported once with its reason.
        @Test func importInChangesetsSentAheadReportsARefusalAndWhatDependsOnIt() async throws {
            let source = try await CLIHarness.start()
            let target = try await CLIHarness.start()
            for headline in ["Delegations meet", "Related one", "Related two", "Related three"] {
                try await source.ok(["article", "new", "--headline", headline, "-m", "s"])
            }
            for related in ["related-one", "related-two", "related-three"] {
                try await source.ok(["link", "add", "delegations-meet", related, "-m", "l"])
            }
            let file = source.directory + "/content.ndjson"
            try await source.ok(["export"]).write(toFile: file, atomically: true, encoding: .utf8)
            // The target already has an article with the slug "related-one" (under another id).
            try await target.ok(["article", "new", "--headline", "Related one", "-m", "t"])

            // Changesets of two: [meet, one], [two, three], [link, link], [link]; "one" is refused.
            let run = try await target.galley(["import", file, "--apply", "-m", "Copy", "--chunk-size", "2"])
            #expect(run.status == 1)
            #expect(run.stdout.contains("5 created, 0 updated, 0 unchanged, 2 failed"), "\(run.stdout)")
            #expect(run.stderr.components(separatedBy: "\n").filter { $0.contains("duplicate_slug") }.count == 1, "\(run.stderr)")
            #expect(run.stderr.components(separatedBy: "\n").filter { $0.contains("link") }.count == 1, "\(run.stderr)")
            let links = try await target.json(["link", "list", "delegations-meet"]).arrayValue ?? []
            #expect(links.count == 2)
            try await source.stop()
            try await target.stop()
        }

        /// `galley import -` reads its file as it arrives: the first changeset is committed while
        /// the rest of the export has not been written to its standard input yet (before, the
        /// whole file was read first), and the import still ends with every entity.
        @Test func importFromAPipeCommitsBeforeTheRestOfTheFileArrives() async throws {
            let source = try await CLIHarness.start()
            let target = try await CLIHarness.start()
            for index in 1...6 {
                try await source.ok(["article", "new", "--headline", "Story \(index)", "-m", "s"])
            }
            let lines = try await source.ok(["export"]).lines
            #expect(lines.count == 7)

            let process = Process()
            process.executableURL = ServerProcess.executable("galley")
            process.arguments = ["import", "-", "--apply", "-m", "Piped", "--chunk-size", "2"]
            process.environment = ProcessInfo.processInfo.environment.merging(target.environment) { $1 }
            let (input, output, errors) = (Pipe(), Pipe(), Pipe())
            (process.standardInput, process.standardOutput, process.standardError) = (input, output, errors)
            try process.run()
            let stdout = PipeDrain(output)
            let stderr = PipeDrain(errors)
            defer { if process.isRunning { process.terminate() } }
            // The header and three articles: the first changeset of two is full once the third is read.
            input.fileHandleForWriting.write(Data((lines[0...3].joined(separator: "\n") + "\n").utf8))

            var committed: [JSONValue] = []
            let deadline = ContinuousClock.now + .seconds(30)
            while committed.isEmpty, process.isRunning, ContinuousClock.now < deadline {
                committed = try await target.json(["changeset", "list"]).arrayValue ?? []
                if committed.isEmpty { try await Task.sleep(for: .milliseconds(50)) }
            }
            #expect(committed.count == 1, "a changeset is committed before the file ends: \(stderr.text)")
            #expect(process.isRunning, "galley import waits for the rest of the file")

            input.fileHandleForWriting.write(Data((lines[4...].joined(separator: "\n") + "\n").utf8))
            try input.fileHandleForWriting.close()
            while process.isRunning, ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(20)) }
            #expect(process.terminationStatus == 0, "\(stderr.text)")
            let report = try await stdout.waitForEnd()
            #expect(report.contains("6 entities read (export of head 6): 6 created, 0 updated, 0 unchanged, 0 failed"), "\(report)")
            #expect(report.contains("changesets: 1, 2, 3"), "\(report)")
            #expect(try Self.entities(try await target.ok(["export"])) == Self.entities(lines.joined(separator: "\n")))
            try await source.stop()
            try await target.stop()
        }

        /// Every entity of an export, by id: its type and stored fields without the server-set ones.
        static func entities(_ export: String) throws -> [String: JSONValue] {
            var entities: [String: JSONValue] = [:]
            for line in export.lines.dropFirst() {
                let item = try JSONParser.parse(line)
                var data = item["data"]?.objectValue ?? [:]
                for key in ["version", "seq", "createdAt", "updatedAt", "createdBy", "updatedBy"] { data[key] = nil }
                entities[item["id"]?.stringValue ?? ""] = ["type": item["type"] ?? .null, "data": .object(data)]
            }
            return entities
        }
    }
}
