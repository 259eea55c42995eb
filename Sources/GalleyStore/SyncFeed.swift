import GRDB
import GalleyModel
import JSONRPC

/// One entity in a sync page: its state as of the page's consistent point, or a tombstone.
public struct SyncItem: Sendable {
    public var type: EntityType
    public var id: String
    public var version: Int
    public var seq: Int64
    public var deleted: Bool
    public var createdAt: String
    public var updatedAt: String
    public var createdBy: String
    public var updatedBy: String
    /// The stored document, a JSON object as compact text (nil for tombstones). Both stores pass
    /// the text they hold without parsing it: a page is mostly documents, and parsing each only
    /// to write it again was most of what a snapshot page cost.
    public var document: EncodedJSON?

    public init(state: EntityState) {
        self.type = state.type
        self.id = state.id
        self.version = state.version
        self.seq = state.seq
        self.deleted = state.deleted
        self.createdAt = state.createdAt
        self.updatedAt = state.updatedAt
        self.createdBy = state.createdBy
        self.updatedBy = state.updatedBy
        self.document = state.deleted ? nil : EncodedJSON(.object(state.data))
    }

    /// An entity row (the `entity` view's columns, or a version row named like them) with its
    /// document as stored: text this store's writer wrote with ``JSONWriter``. Meant for a row
    /// live in a cursor: its document's bytes are copied once from SQLite's buffer, where a
    /// copied row (`Row.fetchAll`) makes a `String` of it first, checking and copying every
    /// byte, only for the page to take its bytes again (~13% of galleyd's time on a snapshot
    /// page, BENCHMARKS.md).
    init(row: Row) throws {
        guard let type = EntityType(rawValue: row["type"]) else {
            throw StoreError.unusable("entity \(row["id"] as String? ?? "?") has an unknown type")
        }
        let deleted: Bool = row["deleted"]
        let document: [UInt8] = deleted ? [] : try EntityRows.withDocumentBytes(of: row) { [UInt8]($0) }
        try self.init(
            type: type,
            id: row["id"],
            version: row["version"],
            seq: row["seq"],
            deleted: deleted,
            createdAt: row["created_at"],
            updatedAt: row["updated_at"],
            createdBy: row["created_by"],
            updatedBy: row["updated_by"],
            storedDocument: document
        )
    }

    /// An entity as a store read it, with `storedDocument` (UTF-8) passed on unparsed: it must be
    /// text a store's writer wrote with ``JSONWriter`` (both stores' `data` columns hold only
    /// that). Only its first byte is checked; a tombstone's document is dropped.
    public init(
        type: EntityType,
        id: String,
        version: Int,
        seq: Int64,
        deleted: Bool,
        createdAt: String,
        updatedAt: String,
        createdBy: String,
        updatedBy: String,
        storedDocument: [UInt8]
    ) throws {
        self.type = type
        self.id = id
        self.version = version
        self.seq = seq
        self.deleted = deleted
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.createdBy = createdBy
        self.updatedBy = updatedBy
        if deleted {
            self.document = nil
        } else {
            guard storedDocument.first == UInt8(ascii: "{") else {
                throw StoreError.unusable("the stored document of \(id) is not a JSON object")
            }
            self.document = EncodedJSON(uncheckedText: storedDocument)
        }
    }
}

/// A page of the sync feed. See `sync.pull` in the API: snapshot pages walk every live entity at a
/// fixed head; log pages cover whole changesets `(after, through]`.
public struct SyncPage: Sendable {
    public var items: [SyncItem]
    /// Snapshot: the (type, id) to resume after, nil when the snapshot is complete.
    public var snapshotResume: (type: EntityType, id: String)?
    /// The changeset number the page is consistent at (the last page of a snapshot, every log page).
    public var consistentAt: Int64?
    /// The newest changeset when the page was read.
    public var head: Int64
    public var hasMore: Bool
    /// On a snapshot's first page: about how many entities it holds (for progress displays).
    public var snapshotSize: Int? = nil

    public init(
        items: [SyncItem],
        snapshotResume: (type: EntityType, id: String)?,
        consistentAt: Int64?,
        head: Int64,
        hasMore: Bool,
        snapshotSize: Int? = nil
    ) {
        self.items = items
        self.snapshotResume = snapshotResume
        self.consistentAt = consistentAt
        self.head = head
        self.hasMore = hasMore
        self.snapshotSize = snapshotSize
    }
}

/// Where a log page ends, the same on every store: whole changesets after `after`, about `limit`
/// entities, never splitting a changeset (one larger than `limit` fills a page on its own).
public enum LogPageRange {
    /// - Parameter counts: the changesets after `after` that wrote versions, in seq order, with
    ///   how many entity versions each wrote; at most `limit + 1` of them.
    public static func end(after: Int64, head: Int64, limit: Int, counts: [(seq: Int64, entities: Int)]) -> Int64 {
        var through = after
        var taken = 0
        for changeset in counts {
            if taken > 0 && taken + changeset.entities > limit { return through }
            taken += changeset.entities
            through = changeset.seq
        }
        // More changesets than the query fetched: stop at the last one taken.
        if counts.count > limit { return through }
        // Nothing left after `through`: the page reaches the head (changesets that changed
        // nothing have no versions but still count).
        return head
    }
}

extension SQLiteStore {
    /// One page of the snapshot of every entity live at `head`, in (type, id) order after `after`.
    public func snapshotPage(at head: Int64, after: (type: EntityType, id: String)?, limit: Int) async throws -> SyncPage {
        try await self.pool.read { db in
            let currentHead = try Int64.fetchOne(db.cachedStatement(sql: "SELECT v FROM seq_counter WHERE id = 1")) ?? 0
            var items: [SyncItem] = []
            var position = after.map { ($0.type.rawValue, $0.id) } ?? ("", "")
            var exhausted = false
            while items.count < limit && !exhausted {
                let wanted = limit - items.count
                let rows = try Row.fetchCursor(
                    db.cachedStatement(sql: "SELECT * FROM entity WHERE (type, id) > (?, ?) ORDER BY type, id LIMIT ?"),
                    arguments: [position.0, position.1, wanted]
                )
                var fetched = 0
                while let row = try rows.next() {
                    fetched += 1
                    let current = try SyncItem(row: row)
                    position = (current.type.rawValue, current.id)
                    let item = current.seq <= head ? current : try Self.latestVersion(current.id, atOrBefore: head, db: db)
                    guard let item, !item.deleted else { continue }
                    items.append(item)
                }
                exhausted = fetched < wanted
            }
            let done = exhausted
            // Live now is close enough to live at `head` for a progress bar, and one indexed count.
            let size = after == nil ? try Int.fetchOne(db, sql: "SELECT count(*) FROM entity WHERE deleted = 0") : nil
            return SyncPage(
                items: items,
                snapshotResume: done ? nil : (EntityType(rawValue: position.0) ?? .article, position.1),
                consistentAt: done ? head : nil,
                head: currentHead,
                hasMore: !done || head < currentHead,
                snapshotSize: size
            )
        }
    }

    /// One log page: every entity changed in the changesets after `after`, at its state as of the
    /// page's end. About `limit` entities, never splitting a changeset.
    public func logPage(after: Int64, limit: Int) async throws -> SyncPage {
        try await self.pool.read { db in
            let head = try Int64.fetchOne(db.cachedStatement(sql: "SELECT v FROM seq_counter WHERE id = 1")) ?? 0
            let counts = try Row.fetchAll(
                db.cachedStatement(sql: "SELECT seq, count(*) AS n FROM entity_version WHERE seq > ? GROUP BY seq ORDER BY seq LIMIT ?"),
                arguments: [after, limit + 1]
            )
            let through = LogPageRange.end(after: after, head: head, limit: limit, counts: counts.map { (seq: $0["seq"], entities: $0["n"]) })
            let ids = try String.fetchAll(
                db.cachedStatement(sql: "SELECT DISTINCT id FROM entity_version WHERE seq > ? AND seq <= ? ORDER BY id"),
                arguments: [after, through]
            )
            var items: [SyncItem] = []
            for id in ids {
                guard let item = try Self.latestVersion(id, atOrBefore: through, db: db) else { continue }
                items.append(item)
            }
            return SyncPage(items: items, snapshotResume: nil, consistentAt: through, head: head, hasMore: through < head)
        }
    }

    /// The entity's latest version committed at or before `seq`.
    static func latestVersion(_ id: String, atOrBefore seq: Int64, db: Database) throws -> SyncItem? {
        guard let version = try Int.fetchOne(
            db.cachedStatement(sql: "SELECT version FROM entity_version WHERE id = ? AND seq <= ? ORDER BY seq DESC, version DESC LIMIT 1"),
            arguments: [id, seq]
        ) else { return nil }
        return try EntityRows.withVersionRow(id, version: version, db: db, SyncItem.init(row:))
    }
}
