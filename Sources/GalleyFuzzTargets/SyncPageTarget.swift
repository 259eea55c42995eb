import Foundation
import GalleyModel
import GalleySync
import JSONRPC

extension FuzzTargets {
    /// The replica's sync page decoder and applier (`Replica.apply(page:)`): any JSON as a
    /// `sync.pull` page, applied to a replica that holds an article, a photo and a link pulled
    /// from the server and a pending local edit of the article (so the three-way merge runs too).
    /// Never crashes; a page it accepts becomes the replica's position, and the replica can still
    /// list what it holds. Each input gets a fresh copy of that replica.
    public static func syncPage(_ bytes: UnsafeRawBufferPointer) {
        guard let page = try? JSONParser.parse(bytes, maxDepth: 64) else { return }
        SyncPageWorld.shared.withFreshReplica { replica in
            guard let applied = try? replica.apply(page: page) else { return }
            let position = try? replica.position()
            precondition(position?.cursor == applied.cursor, "an accepted page must move the cursor to the page's")
            for type in EntityType.allCases {
                precondition((try? replica.entities(type, includeDeleted: true)) != nil, "the replica cannot list its \(type)s after a page")
            }
        }
    }
}

/// A seeded replica kept as a template on disk, copied for every input (a replica is a directory
/// of files: copying three small files is far cheaper than creating and migrating one).
final class SyncPageWorld: @unchecked Sendable {
    static let shared = SyncPageWorld()

    static let articleID = "00000000-0000-4000-8000-000000000001"
    static let otherArticleID = "00000000-0000-4000-8000-000000000002"
    static let mediaID = "00000000-0000-4000-8000-00000000000a"
    static let linkID = "00000000-0000-4000-8000-0000000000b1"

    private let template: String
    private let work: String
    private let lock = NSLock()

    private init() {
        let root = FileManager.default.temporaryDirectory.appendingPathComponent("galley-fuzz-sync-\(getpid())").path
        try? FileManager.default.removeItem(atPath: root)
        self.template = root + "/template"
        self.work = root + "/work"
        do {
            let replica = try Replica.create(at: self.template, server: "127.0.0.1:1", token: nil, saveToken: false)
            _ = try replica.apply(page: Self.seedPage)
            _ = try? replica.update(.article, Self.articleID, set: ["headline": "Edited offline"], message: "fuzz seed")
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

    func withFreshReplica(_ body: (Replica) -> Void) {
        self.lock.lock()
        defer { self.lock.unlock() }
        try? FileManager.default.removeItem(atPath: self.work)
        do {
            try FileManager.default.copyItem(atPath: self.template, toPath: self.work)
            let replica = try Replica.open(at: self.work)
            body(replica)
            try replica.close()
        } catch {
            fatalError("cannot copy the sync page fuzzing replica: \(error)")
        }
    }
}
