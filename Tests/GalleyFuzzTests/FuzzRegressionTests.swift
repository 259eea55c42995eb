import Foundation
import GalleyModel
import GalleySync
import JSONRPC
@testable import GalleyFuzzTargets
import Testing

/// Every input that ever crashed a fuzz target is kept in `Regressions/<target>/` and replayed
/// here, so a fixed crash stays fixed. The JSONTestSuite corpus (the fuzzers' seeds) is replayed
/// through every target too, when `../shared` is present.
@Suite struct FuzzRegressionTests {
    static let regressions = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Regressions")
    static let corpus = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("shared/corpora/JSONTestSuite/test_parsing")

    static let targets: [String: @Sendable (UnsafeRawBufferPointer) -> Void] = [
        "json": FuzzTargets.jsonParser,
        "frame": FuzzTargets.frameDecoder,
        "request": FuzzTargets.request,
        "changeset": FuzzTargets.changeset,
        "sync": FuzzTargets.syncPage,
    ]

    private static func files(in folder: URL) -> [URL] {
        ((try? FileManager.default.contentsOfDirectory(at: folder, includingPropertiesForKeys: nil)) ?? [])
            .filter { !$0.lastPathComponent.hasPrefix(".") }
            .sorted { $0.path < $1.path }
    }

    @Test(arguments: ["json", "frame", "request", "changeset", "sync"])
    func everyRecordedCrashInputIsHandled(target: String) throws {
        let run = try #require(Self.targets[target])
        for file in Self.files(in: Self.regressions.appendingPathComponent(target)) {
            let bytes = try Data(contentsOf: file)
            bytes.withUnsafeBytes { run($0) }
        }
    }

    @Test(.enabled(if: FileManager.default.fileExists(atPath: corpus.path), "../shared/corpora/JSONTestSuite is absent (it is not part of the repo)"))
    func seedCorpusRunsThroughEveryTarget() throws {
        let files = Self.files(in: Self.corpus)
        #expect(files.count > 300)
        for file in files {
            let bytes = try Data(contentsOf: file)
            for run in Self.targets.values { bytes.withUnsafeBytes { run($0) } }
        }
    }

    @Test func changesetTargetAppliesARealChangeset() {
        // A valid changeset must reach the applier (otherwise the fuzzer would only test parsing).
        let text = #"[{"op":"create","type":"article","data":{"headline":"Fuzz seed"}},{"op":"update","type":"article","id":"00000000-0000-4000-8000-000000000002","baseVersion":1,"set":{"section":"world"}}]"#
        Array(text.utf8).withUnsafeBytes { FuzzTargets.changeset($0) }
    }

    @Test func syncTargetWorldHasAPendingEditThatARealPageMergesWith() {
        // The sync target must reach the applier and the three-way merge, not only the page checks:
        // the server changes the section of the article the replica edited offline (its headline).
        let page: JSONValue = [
            "cursor": "l.4", "head": 4, "consistentAt": 4, "hasMore": false,
            "items": [
                [
                    "type": "article", "id": .string(SyncPageWorld.articleID), "version": 2, "seq": 4, "deleted": false,
                    "data": [
                        "slug": "one", "headline": "One", "section": "world", "status": "draft", "tags": [],
                        "body": [["type": "paragraph", "text": "Words."]], "leadMediaId": .string(SyncPageWorld.mediaID), "readingMinutes": 1,
                        "createdAt": "2026-01-01T00:00:00.000Z", "updatedAt": "2026-01-02T00:00:00.000Z", "createdBy": "fuzz", "updatedBy": "desk",
                    ],
                ]
            ],
        ]
        SyncPageWorld.shared.withReplica { replica in
            #expect((try? replica.entity(SyncPageWorld.articleID))?.data["headline"] == "Edited offline")
            let applied = try? replica.apply(page: page)
            #expect(applied?.conflicts == 0)
            let merged = try? replica.entity(SyncPageWorld.articleID)
            #expect(merged?.data["headline"] == "Edited offline")
            #expect(merged?.data["section"] == "world")
            return applied != nil
        }
        // The next input starts from the seeded state again: the accepted page was undone.
        SyncPageWorld.shared.withReplica { replica in
            #expect((try? replica.position())?.cursor == "l.3")
            #expect((try? replica.entity(SyncPageWorld.articleID))?.data["section"] == nil)
            #expect((try? replica.entity(SyncPageWorld.articleID))?.data["headline"] == "Edited offline")
            return false
        }
        let text = JSONWriter.string(page)
        Array(text.utf8).withUnsafeBytes { FuzzTargets.syncPage($0) }
    }
}
