import Foundation
import GalleyModel
import GalleySync
import JSONRPC

extension FuzzTargets {
    /// The replica's sync page decoder and applier (`Replica.apply(page:)`): any JSON as a
    /// `sync.pull` page, applied to a replica that holds an article, a photo and a link pulled
    /// from the server and a pending local edit of the article (so the three-way merge runs too).
    /// Never crashes; a page it accepts becomes the replica's position, and the replica can still
    /// list what it holds; a page it refuses changes nothing. Each input starts from that replica.
    public static func syncPage(_ bytes: UnsafeRawBufferPointer) {
        guard let page = try? JSONParser.parse(bytes, maxDepth: 64) else { return }
        SyncPageWorld.shared.withReplica { replica in
            guard let applied = try? replica.apply(page: page) else { return false }
            let position = try? replica.position()
            precondition(position?.cursor == applied.cursor, "an accepted page must move the cursor to the page's")
            for type in EntityType.allCases {
                precondition((try? replica.entities(type, includeDeleted: true)) != nil, "the replica cannot list its \(type)s after a page")
            }
            return true
        }
    }
}

/// A seeded replica kept as a template, and a working replica that every input starts from.
///
/// A page the replica refuses changes nothing (`apply(page:)` is one transaction), so the working
/// replica is reset from the template only after a page it accepted, by SQLite's online backup
/// while both stay open: copying files and reopening for every input made this target ~250
/// executions a second. After a refused page the fuzzer checks that the cursor did not move.
/// `@unchecked Sendable`: the two replicas are only used while `lock` is held.
final class SyncPageWorld: @unchecked Sendable {
    static let shared = SyncPageWorld()

    static let articleID = "00000000-0000-4000-8000-000000000001"
    static let otherArticleID = "00000000-0000-4000-8000-000000000002"
    static let mediaID = "00000000-0000-4000-8000-00000000000a"
    static let linkID = "00000000-0000-4000-8000-0000000000b1"

    private let templateReplica: Replica
    private let replica: Replica
    private let lock = NSLock()

    private init() {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("galley-fuzz-sync-\(getpid())").path
        try? FileManager.default.removeItem(atPath: root)
        do {
            let template = try Replica.create(at: root + "/template", server: "127.0.0.1:1", token: nil, saveToken: false)
            _ = try template.apply(page: Self.seedPage)
            _ = try template.update(.article, Self.articleID, set: ["headline": "Edited offline"], message: "fuzz seed")
            self.templateReplica = template
            self.replica = try Replica.create(at: root + "/work", server: "127.0.0.1:1", token: nil, saveToken: false)
            try self.replica.replaceContents(with: template)
        } catch {
            fatalError("cannot seed the sync page fuzzing replica: \(error)")
        }
    }

    /// A snapshot page at seq 3: two articles, a credited photo, a link between the articles.
    static let seedPage: JSONValue = [
        "cursor": "l.3", "head": 3, "consistentAt": 3, "hasMore": false, "snapshotSize": 4,
        "items": [
            SyncPageWorld.item("media", SyncPageWorld.mediaID, seq: 1, data: ["kind": "image", "uri": "https://example.com/a.jpg", "caption": "A", "credit": ["creator": "A. Photographer", "source": "Agency"]]),
            SyncPageWorld.item("article", SyncPageWorld.articleID, seq: 2, data: ["slug": "one", "headline": "One", "status": "draft", "tags": [], "body": [["type": "paragraph", "text": "Words."]], "leadMediaId": .string(SyncPageWorld.mediaID), "readingMinutes": 1]),
            SyncPageWorld.item("article", SyncPageWorld.otherArticleID, seq: 2, data: ["slug": "two", "headline": "Two", "status": "draft", "tags": [], "body": [], "readingMinutes": 1]),
            SyncPageWorld.item("link", SyncPageWorld.linkID, seq: 3, data: ["fromId": .string(SyncPageWorld.articleID), "toId": .string(SyncPageWorld.otherArticleID), "position": 0]),
        ],
    ]

    private static func item(_ type: String, _ id: String, seq: Int, data: JSONObject) -> JSONValue {
        var document = data
        document["createdAt"] = "2026-01-01T00:00:00.000Z"
        document["updatedAt"] = "2026-01-01T00:00:00.000Z"
        document["createdBy"] = "fuzz"
        document["updatedBy"] = "fuzz"
        return ["type": .string(type), "id": .string(id), "version": 1, "seq": .number(JSONNumber(seq)), "deleted": false, "data": .object(document)]
    }

    /// Runs `body` on the working replica, in the template's state; `body` returns whether the
    /// replica may have changed.
    func withReplica(_ body: (Replica) -> Bool) {
        self.lock.lock()
        defer { self.lock.unlock() }
        let changed = body(self.replica)
        if changed {
            do {
                try self.replica.replaceContents(with: self.templateReplica)
            } catch {
                fatalError("cannot reset the sync page fuzzing replica: \(error)")
            }
        } else {
            let position = try? self.replica.position()
            precondition(position?.cursor == "l.3", "a refused page moved the replica's cursor")
        }
    }
}
