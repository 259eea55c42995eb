import GalleyCLI
import GalleyModel
import JSONRPC
import Testing

/// The CLI's formatting and planning pieces, in process.
struct CLILibraryTests {
    @Test func tablesAlignColumnsAndCutFlexibleOnesToTheTerminalWidth() {
        let items: [JSONObject] = [
            ["id": "a1", "slug": "ferries-return-to-the-bosphorus", "status": "draft", "headline": "Ferries return to the Bosphorus after a long winter"],
            ["id": "b2", "slug": "talks", "status": "published", "headline": "Talks"],
        ]
        let columns = [
            Column("ID", { Listing.plain($0["id"]) }), Column("SLUG", flexible: true, { Listing.plain($0["slug"]) }),
            Column("STATUS", { Listing.plain($0["status"]) }), Column("HEADLINE", flexible: true, { Listing.plain($0["headline"]) }),
        ]
        #expect(
            Listing.render(items, columns: columns, format: .table) == """
                ID  SLUG                             STATUS     HEADLINE
                a1  ferries-return-to-the-bosphorus  draft      Ferries return to the Bosphorus after a long winter
                b2  talks                            published  Talks

                """
        )
        let narrow = Listing.render(items, columns: columns, format: .table, width: 60).split(separator: "\n")
        #expect(narrow.allSatisfy { $0.count <= 60 })
        #expect(narrow[1].hasSuffix("…"))
        #expect(Listing.render(items, columns: columns, format: .tsv) == "a1\tferries-return-to-the-bosphorus\tdraft\tFerries return to the Bosphorus after a long winter\nb2\ttalks\tpublished\tTalks\n")
        #expect(Listing.render(items, columns: columns, format: .ids) == "a1\nb2\n")
        #expect(Listing.render(items, columns: columns, format: .ndjson).split(separator: "\n").count == 2)
        #expect(OutputFormat.resolve(nil, isTerminal: true) == .table)
        #expect(OutputFormat.resolve(nil, isTerminal: false) == .tsv)
        #expect(OutputFormat.resolve(.json, isTerminal: true) == .json)
    }

    @Test func fieldAssignmentsAreTextOrJSONAndCheckedAgainstTheRules() throws {
        let changes = try FieldChanges.parse(assignments: ["headline=2024", #"tags=["a","b"]"#, "subheadline:=null"], unset: ["section"], type: .article)
        #expect(changes.set == ["headline": "2024", "tags": ["a", "b"], "subheadline": nil])
        #expect(changes.unset == ["section"])
        let media = try FieldChanges.parse(assignments: ["credit.source=Reuters", "width=400"], unset: [], type: .media)
        #expect(media.set == ["credit.source": "Reuters", "width": 400])
        #expect(throws: CLIError.self) { try FieldChanges.parse(assignments: ["tags=a,b"], unset: [], type: .article) }
        #expect(throws: CLIError.self) { try FieldChanges.parse(assignments: ["status=gone"], unset: [], type: .article) }
        #expect(throws: CLIError.self) { try FieldChanges.parse(assignments: ["headline"], unset: [], type: .article) }
        #expect(throws: CLIError.self) { try FieldChanges.parse(assignments: [], unset: ["headline"], type: .article) }
        // The smallest update: unchanged values and absent unsets are left out; nil when nothing changes.
        let current: JSONObject = ["headline": "2024", "tags": ["a"], "section": "world"]
        let update = try #require(changes.update(for: current))
        #expect(update.set == ["tags": ["a", "b"]])
        #expect(update.unset == ["section"])
        #expect(changes.update(for: ["headline": "2024", "tags": ["a", "b"]]) == nil)
        let retag = try FieldChanges.parse(assignments: [], unset: [], addTags: ["ukraine"], removeTags: ["kyiv"], type: .article)
        #expect(retag.update(for: ["tags": ["kyiv", "war"]])?.set == ["tags": ["war", "ukraine"]])
        #expect(retag.update(for: ["tags": ["war", "ukraine"]]) == nil)
    }

    @Test func bulkSelectionsAcceptListableFiltersOnly() throws {
        let selection = try BulkSelection.parse(type: .article, wheres: ["section=world", "status=draft", "q=talks"], query: nil, ids: nil)
        #expect(selection.articleFilter.section == "world" && selection.articleFilter.status == "draft" && selection.articleFilter.query == "talks")
        #expect(throws: CLIError.self) { try BulkSelection.parse(type: .article, wheres: ["colour=red"], query: nil, ids: nil) }
        #expect(throws: CLIError.self) { try BulkSelection.parse(type: .media, wheres: ["section=world"], query: nil, ids: nil) }
        #expect(throws: CLIError.self) { try BulkSelection.parse(type: .article, wheres: [], query: nil, ids: nil) }
        #expect(throws: CLIError.self) { try BulkSelection.parse(type: .article, wheres: ["section=world"], query: nil, ids: ["x"]) }
    }

    @Test func derivedIdsAreStableVersion5UUIDs() {
        // RFC 9562's namespace DNS and "python.org", as every UUIDv5 implementation computes it.
        #expect(UUIDv5.make(namespace: "6ba7b810-9dad-11d1-80b4-00c04fd430c8", name: "python.org") == "886313e1-3b8a-5372-9b90-0c9aee199e5d")
        let run = UUIDv5.make(namespace: UUIDv5.galleyNamespace, name: "run")
        #expect(BulkRun.chunkID(runID: run, number: 1) == BulkRun.chunkID(runID: run, number: 1))
        #expect(BulkRun.chunkID(runID: run, number: 1) != BulkRun.chunkID(runID: run, number: 2))
        #expect(ContentRules.isUUID(BulkRun.chunkID(runID: run, number: 7)))
    }

    @Test func errorsMapToExitCodesAndNameTheNextStep() {
        let conflict = JSONRPCError(
            code: -32009, message: "Version conflict",
            data: ["kind": "version_conflict", "conflicts": [["type": "article", "id": "x", "baseVersion": 1, "currentVersion": 2, "reason": "field_changed", "fields": [["field": "headline", "base": "A", "theirs": "B", "mine": "C"]]]]]
        )
        let report = ErrorReport.describe(conflict as any Error)
        #expect(report.exitCode == 4)
        #expect(report.text.contains(#"headline: base "A", theirs "B", mine "C""#))
        #expect(ErrorReport.describe(JSONRPCError(code: -32004, message: "nope") as any Error).exitCode == 1)
        #expect(ErrorReport.describe(CLIError.usage("bad")).exitCode == 2)
        #expect(ErrorReport.describe(CLIError.cannotConnect("down")).exitCode == 3)
    }
}
