import Foundation
import GRDB
import GalleyClient
import GalleyModel
import GalleyTestSupport
import JSONRPC
import Testing

@testable import GalleySync

/// `galley clone`: a snapshot at one head, then the log, each page applied with its cursor.
@Suite struct CloneTests {
    @Test func cloningTenThousandArticlesMatchesTheServerEntityByEntity() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let seeding = ContinuousClock.now
            try await client.commit((0..<10_000).map { Fixtures.article("Archive story \($0)", ["section": "archive", "body": [["type": "paragraph", "text": .string("Story \($0) text")]]]) })
            let media = UUID().uuidString.lowercased()
            let first = UUID().uuidString.lowercased()
            let second = UUID().uuidString.lowercased()
            try await client.commit([
                Ops.createMedia(media, ["credit": ["creator": "A. Photographer", "source": "Agency"]]),
                Fixtures.article("Lead story", id: first, ["leadMediaId": .string(media)]),
                Fixtures.article("Follow-up", id: second),
                Ops.createLink(from: first, to: second),
            ])
            await client.close()
            print("seeded 10,004 entities in \(ContinuousClock.now - seeding)")
            try await Fixtures.withReplicas(1, of: server) { replicas in
                let replica = replicas[0]
                let started = ContinuousClock.now
                let summary = try await Fixtures.pull(replica, pageLimit: 1000)
                let elapsed = ContinuousClock.now - started
                #expect(summary.complete)
                #expect(summary.entities == 10_004)
                #expect(summary.consistentAt == 2)
                #expect(try replica.entities(.article).count == 10_002)
                try await Fixtures.expectSameContent(replica, server)
                #expect(try replica.integrityCheck() == "ok")
                print("cloned 10,004 entities in \(elapsed)")
            }
        }
    }

    @Test func writesLandingDuringACloneDoNotLeakIntoTheSnapshot() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let ids = (0..<30).map { _ in UUID().uuidString.lowercased() }.sorted()
            try await client.commit(ids.enumerated().map { Fixtures.article("Story \($0.offset)", id: $0.element) })
            try await Fixtures.withReplicas(1, of: server) { replicas in
                let replica = replicas[0]
                try await Fixtures.pull(replica, pageLimit: 10, maxPages: 1)
                // Writes while the snapshot is read: a new article, an edit and a delete of ones
                // the snapshot has not reached yet.
                let late = "ffffffff-ffff-4fff-8fff-ffffffffffff"
                try await client.commit([Fixtures.article("Late story", id: late)])
                try await client.commit([Ops.update("article", ids[25], set: ["headline": "Edited meanwhile"])])
                try await client.commit([Ops.delete("article", ids[29])])
                // The rest of the snapshot: still the state at head 1.
                for _ in 0..<5 where try replica.position().consistentAt == nil {
                    try await Fixtures.pull(replica, pageLimit: 10, maxPages: 1)
                }
                #expect(try replica.position().consistentAt == 1)
                #expect(try replica.entity(late) == nil)
                #expect(try replica.entity(ids[25])?.data["headline"] == "Story 25")
                #expect(try replica.entity(ids[29])?.deleted == false)
                #expect(try replica.entities(.article).count == 30)
                // The log then brings exactly what happened after.
                let rest = try await Fixtures.pull(replica, pageLimit: 10)
                #expect(rest.consistentAt == 4)
                #expect(try replica.entity(late)?.deleted == false)
                #expect(try replica.entity(ids[25])?.data["headline"] == "Edited meanwhile")
                #expect(try replica.entity(ids[29])?.deleted == true)
                try await Fixtures.expectSameContent(replica, server)
            }
            await client.close()
        }
    }

    @Test func afterEveryLogPageTheReplicaEqualsTheServerAtConsistentAt() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            try await Fixtures.withReplicas(1, of: server) { replicas in
                let replica = replicas[0]
                try await Fixtures.pull(replica)
                var ids: [String] = []
                var deleted = Set<String>()
                for round in 0..<8 {
                    let id = UUID().uuidString.lowercased()
                    ids.append(id)
                    try await client.commit([Fixtures.article("Round \(round)", id: id)])
                    let edited = ids[round / 2]
                    if !deleted.contains(edited) {
                        try await client.commit([Ops.update("article", edited, set: ["headline": .string("Edit \(round)")])])
                    }
                    if round % 3 == 2 {
                        try await client.commit([Ops.delete("article", ids[round - 1])])
                        deleted.insert(ids[round - 1])
                    }
                }
                var pages = 0
                while pages < 100 {
                    let summary = try await Fixtures.pull(replica, pageLimit: 1, maxPages: 1)
                    pages += 1
                    let consistentAt = try #require(summary.consistentAt)
                    for id in ids {
                        guard let local = try replica.entity(id) else {
                            // Not in the replica yet: created after consistentAt.
                            let first = try await client.call("article.get", ["id": .string(id), "version": 1])
                            #expect((first["seq"]?.intValue ?? 0) > consistentAt)
                            continue
                        }
                        let atVersion = try await client.call("article.get", ["id": .string(id), "version": .number(JSONNumber(local.version))])
                        #expect((atVersion["seq"]?.intValue ?? .max) <= consistentAt)
                        #expect((atVersion["deleted"]?.boolValue ?? false) == local.deleted)
                        if !local.deleted { #expect(atVersion["headline"] == local.data["headline"]) }
                        if let next = try? await client.call("article.get", ["id": .string(id), "version": .number(JSONNumber(local.version + 1))]) {
                            #expect((next["seq"]?.intValue ?? 0) > consistentAt, "a newer version existed at consistentAt")
                        }
                    }
                    if !summary.complete { continue }
                    if consistentAt == (try await client.call("server.info")["head"]?.intValue.map(Int64.init) ?? -1) { break }
                }
                #expect(pages > 5)
                try await Fixtures.expectSameContent(replica, server)
            }
            await client.close()
        }
    }

    @Test func aCloneStoppedMidwayResumesFromItsCursor() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            try await client.commit((0..<60).map { Fixtures.article("Story \($0)") })
            await client.close()
            try await Fixtures.withReplicas(1, of: server) { replicas in
                // Stopped after two pages, as a killed process would be (the database is closed
                // and opened again).
                let first = try await Fixtures.pull(replicas[0], pageLimit: 10, maxPages: 2)
                #expect(!first.complete)
                try replicas[0].close()
                let reopened = try Replica.open(at: replicas[0].directory)
                #expect(try reopened.entities(.article).count == 20)
                #expect(try reopened.position().cursor?.hasPrefix("s.") == true)
                // Cancelled in the middle of a pull.
                let session = try await Fixtures.session(reopened, pageLimit: 10)
                let task = Task {
                    try await session.pull { progress in
                        if progress.pages == 2 { withUnsafeCurrentTask { $0?.cancel() } }
                    }
                }
                await #expect(throws: CancellationError.self) { try await task.value }
                await session.client.close()
                #expect(try reopened.entities(.article).count == 40)
                #expect(try reopened.integrityCheck() == "ok")
                // Resumed: the rest, nothing twice.
                let rest = try await Fixtures.pull(reopened, pageLimit: 10)
                #expect(rest.complete)
                #expect(rest.entities == 20)
                #expect(try reopened.position().pulledEntities == 60)
                try await Fixtures.expectSameContent(reopened, server)
            }
        }
    }

    @Test func anExpiredCursorStartsANewSnapshotByItself() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let keep = UUID().uuidString.lowercased()
            try await client.commit([Fixtures.article("Kept", id: keep)])
            try await Fixtures.withReplicas(1, of: server) { replicas in
                let replica = replicas[0]
                try await Fixtures.pull(replica)
                // A cursor from a history newer than the server's, as after a restore from backup.
                try await replica.pool.write { db in try db.execute(sql: "UPDATE sync_state SET cursor = 'l.999'") }
                let summary = try await Fixtures.pull(replica)
                #expect(summary.restartedSnapshot)
                #expect(summary.complete)
                try await Fixtures.expectSameContent(replica, server)
            }
            await client.close()
        }
    }
}
