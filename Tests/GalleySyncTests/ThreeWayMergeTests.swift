import GalleyModel
import JSONRPC
import Testing

@testable import GalleySync

/// The per-field merge rules, without a server.
@Suite struct ThreeWayMergeTests {
    let base: JSONObject = ["headline": "Base", "section": "world", "tags": ["a"], "body": [], "readingMinutes": 1]

    @Test func aFieldChangedOnlyOnOneSideTakesThatSide() {
        var theirs = self.base
        theirs["section"] = "europe"
        var mine = self.base
        mine["headline"] = "Mine"
        let outcome = ThreeWayMerge.merge(type: .article, base: self.base, theirs: theirs, mine: mine, mineTouched: ["headline"])
        #expect(outcome.conflicts.isEmpty)
        #expect(outcome.data["headline"] == "Mine")
        #expect(outcome.data["section"] == "europe")
    }

    @Test func aFieldChangedIdenticallyOnBothSidesIsNoConflict() {
        var theirs = self.base
        theirs["tags"] = ["a", "b"]
        var mine = self.base
        mine["tags"] = ["a", "b"]
        let outcome = ThreeWayMerge.merge(type: .article, base: self.base, theirs: theirs, mine: mine, mineTouched: ["tags"])
        #expect(outcome.conflicts.isEmpty)
        #expect(outcome.data["tags"] == ["a", "b"])
    }

    @Test func aFieldChangedDifferentlyOnBothSidesIsAConflictThatKeepsMineLocally() {
        var theirs = self.base
        theirs["headline"] = "Theirs"
        var mine = self.base
        mine["headline"] = "Mine"
        let outcome = ThreeWayMerge.merge(type: .article, base: self.base, theirs: theirs, mine: mine, mineTouched: ["headline"])
        #expect(outcome.conflicts == [ThreeWayMerge.FieldConflict(field: "headline", base: "Base", theirs: "Theirs", mine: "Mine")])
        #expect(outcome.data["headline"] == "Mine")
    }

    @Test func aLocalWriteOfTheBaseValueGivesWayToTheServer() {
        var theirs = self.base
        theirs["section"] = "europe"
        let outcome = ThreeWayMerge.merge(type: .article, base: self.base, theirs: theirs, mine: self.base, mineTouched: ["section"])
        #expect(outcome.conflicts.isEmpty)
        #expect(outcome.superseded == ["section"])
        #expect(outcome.data["section"] == "europe")
    }

    @Test func valuesTheReplicaDerivedItselfNeverConflict() {
        var theirs = self.base
        theirs["publishedAt"] = "2026-01-01T10:00:00.000Z"
        var mine = self.base
        mine["status"] = "published"
        mine["publishedAt"] = "2026-01-01T09:59:58.000Z"
        theirs["status"] = "published"
        let outcome = ThreeWayMerge.merge(type: .article, base: self.base, theirs: theirs, mine: mine, mineTouched: ["status"])
        #expect(outcome.conflicts.isEmpty)
        #expect(outcome.data["publishedAt"] == "2026-01-01T10:00:00.000Z")
    }

    @Test func creditMembersMergeOneByOne() {
        let base: JSONObject = ["uri": "a.jpg", "kind": "image", "credit": ["creator": "Ann", "source": "Agency"]]
        var theirs = base
        theirs["credit"] = ["creator": "Ann", "source": "Reuters"]
        var mine = base
        mine["credit"] = ["creator": "Ann Lee", "source": "Agency"]
        let outcome = ThreeWayMerge.merge(type: .media, base: base, theirs: theirs, mine: mine, mineTouched: ["credit.creator"])
        #expect(outcome.conflicts.isEmpty)
        #expect(outcome.data["credit"]?["creator"] == "Ann Lee")
        #expect(outcome.data["credit"]?["source"] == "Reuters")
    }

    @Test func readingTimeFollowsTheMergedBody() {
        var mine = self.base
        mine["body"] = [["type": "paragraph", "text": .string(Array(repeating: "word", count: 500).joined(separator: " "))]]
        let outcome = ThreeWayMerge.merge(type: .article, base: self.base, theirs: self.base, mine: mine, mineTouched: ["body"])
        #expect(outcome.data["readingMinutes"] == 3)
    }

    @Test func aRemovedOpFieldLeavesTheRestOfTheOp() throws {
        let op = OutboxOp(
            index: 0, entityID: "x", type: .media,
            op: ["op": "update", "type": "media", "id": "x", "set": ["caption": "c", "credit": ["creator": "Ann", "source": "Agency"]]],
            baseVersion: 3
        )
        let withoutCreator = try #require(op.removing("credit.creator"))
        #expect(withoutCreator.op["set"]?["credit.source"] == "Agency")
        #expect(withoutCreator.op["set"]?["credit.creator"] == nil)
        #expect(withoutCreator.op["set"]?["credit"] == nil)
        #expect(withoutCreator.touchedFields.contains("credit.license"), "unset members stay unset")
        let onlyCaption = OutboxOp(index: 0, entityID: "x", type: .media, op: ["op": "update", "type": "media", "id": "x", "set": ["caption": "c"]], baseVersion: 3)
        #expect(onlyCaption.removing("caption") == nil)
    }
}

/// The progress line a clone shows on a terminal.
@Suite struct ProgressMeterTests {
    @Test func snapshotProgressShowsEntitiesBytesRateAndETA() {
        let start = ContinuousClock.now
        var meter = ProgressMeter(started: start)
        let progress = PullProgress(
            pages: 4, entities: 4000, snapshotEntities: 4000, snapshotTotal: 10_000, bytes: 3 * 1024 * 1024,
            inSnapshot: true, consistentAt: nil, head: 12
        )
        let line = meter.line(for: progress, now: start + .seconds(2))
        #expect(line == "snapshot  4,000/10,000 entities (40%)  3.0 MiB  2,000/s  ETA 3s")
    }

    @Test func logProgressCountsChangesetsToTheHead() {
        let start = ContinuousClock.now
        var meter = ProgressMeter(started: start)
        let first = PullProgress(pages: 1, entities: 10, snapshotEntities: 10, snapshotTotal: nil, bytes: 500, inSnapshot: false, consistentAt: 10, head: 40)
        _ = meter.line(for: first, now: start + .seconds(1))
        let later = PullProgress(pages: 2, entities: 20, snapshotEntities: 10, snapshotTotal: nil, bytes: 1000, inSnapshot: false, consistentAt: 20, head: 40)
        #expect(meter.line(for: later, now: start + .seconds(2)) == "changeset 20/40  20 entities  1000 B  10/s  ETA 2s")
    }
}
