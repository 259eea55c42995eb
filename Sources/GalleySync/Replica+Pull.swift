import GRDB
import GalleyModel
import JSONRPC

/// Where the replica stands in the server's feed.
public struct SyncPosition: Sendable, Hashable {
    /// The `sync.pull` cursor to continue from; nil before the first page of a snapshot.
    public var cursor: String?
    /// The server changeset the replica's server state matches; nil until a snapshot completes.
    public var consistentAt: Int64?
    /// The newest server changeset heard of.
    public var serverHead: Int64?
    /// Entities received since the current snapshot began.
    public var pulledEntities: Int
    /// About how many entities the current snapshot holds (as the server announced it).
    public var snapshotTotal: Int?
    public var lastContactAt: String?
    public var lastPullAt: String?
    public var lastPushAt: String?

    /// True once a snapshot has completed: the replica holds a whole, consistent copy.
    public var isCloned: Bool { self.consistentAt != nil }
}

/// What applying one page did.
public struct AppliedPage: Sendable, Hashable {
    public var items: Int
    public var conflicts: Int
    public var consistentAt: Int64?
    public var head: Int64
    public var hasMore: Bool
    public var cursor: String
}

extension Replica {
    /// Where the replica stands in the feed (read-only; works offline).
    public func position() throws -> SyncPosition {
        try self.pool.read { db in try Self.position(db: db) }
    }

    static func position(db: Database) throws -> SyncPosition {
        guard let row = try Row.fetchOne(db, sql: "SELECT * FROM sync_state WHERE id = 1") else {
            throw ReplicaError.unusable("the replica has no sync_state row")
        }
        return SyncPosition(
            cursor: row["cursor"],
            consistentAt: row["consistent_at"],
            serverHead: row["server_head"],
            pulledEntities: row["pulled_entities"],
            snapshotTotal: row["snapshot_total"],
            lastContactAt: row["last_contact_at"],
            lastPullAt: row["last_pull_at"],
            lastPushAt: row["last_push_at"]
        )
    }

    /// Forgets the cursor so the next pull starts a new snapshot (after `cursor_expired`).
    func restartSnapshot() throws {
        try self.pool.write { db in
            try db.execute(sql: "UPDATE sync_state SET cursor = NULL WHERE id = 1")
        }
    }

    /// Records that the server answered (and the head it named, when it named one).
    func recordContact(head: Int64?) throws {
        try self.pool.write { db in
            try db.execute(
                sql: "UPDATE sync_state SET last_contact_at = ?, server_head = max(coalesce(server_head, 0), coalesce(?, 0)) WHERE id = 1",
                arguments: [Timestamp.now(), head]
            )
        }
    }

    /// Applies one `sync.pull` page and its cursor in one transaction. Entities without local
    /// edits take the server's state; entities with local edits are merged three ways (see
    /// ``ThreeWayMerge``), conflicts are recorded and the pending ops that merged cleanly are
    /// rebased onto the new server version.
    public func apply(page: JSONValue) throws -> AppliedPage {
        try self.apply(pageText: JSONWriter.bytes(page))
    }

    /// ``apply(page:)`` for the page's JSON text as the server sent it: each document is stored
    /// as the text it came in (see ``PulledPage``).
    public func apply(pageText: [UInt8]) throws -> AppliedPage {
        try self.apply(PulledPage(text: pageText))
    }

    func apply(_ page: PulledPage) throws -> AppliedPage {
        let items = page.items
        let cursor = page.cursor
        let head = page.head
        let consistentAt = page.consistentAt
        let hasMore = page.hasMore
        return try self.pool.write { db in
            let before = try Self.position(db: db)
            let startsSnapshot = before.cursor == nil
            if startsSnapshot {
                try db.execute(
                    sql: "UPDATE sync_state SET snapshot_generation = snapshot_generation + 1, pulled_entities = 0, snapshot_total = ? WHERE id = 1",
                    arguments: [page.snapshotSize]
                )
            }
            let generation = try Int64.fetchOne(db, sql: "SELECT snapshot_generation FROM sync_state WHERE id = 1") ?? 0
            let hasLocalEdits = try Bool.fetchOne(db, sql: "SELECT EXISTS (SELECT 1 FROM outbox_op) OR EXISTS (SELECT 1 FROM server_entity)") ?? false
            var conflicts = 0
            for item in items {
                let theirs = try ReplicaTables.pulledRow(item, db: db)
                if hasLocalEdits {
                    conflicts += try self.merge(try theirs.state(), generation: generation, db: db)
                } else {
                    try ReplicaTables.write(theirs, to: .local, generation: generation, db: db)
                }
            }
            let inSnapshot = before.cursor == nil || before.cursor?.hasPrefix("s.") == true
            if inSnapshot, consistentAt != nil, generation > 1 {
                // A new snapshot after `cursor_expired`: what it did not deliver is gone on the server.
                try self.dropUndelivered(generation: generation, db: db)
            }
            try db.execute(
                sql: """
                    UPDATE sync_state SET cursor = ?, consistent_at = coalesce(?, consistent_at), server_head = ?,
                        pulled_entities = pulled_entities + ?, last_contact_at = ?, last_pull_at = ? WHERE id = 1
                    """,
                arguments: [cursor, consistentAt, head, items.count, Timestamp.now(), Timestamp.now()]
            )
            return AppliedPage(items: items.count, conflicts: conflicts, consistentAt: consistentAt, head: Int64(head), hasMore: hasMore, cursor: cursor)
        }
    }

    /// Entities a completed re-snapshot did not deliver were deleted on the server: tombstones,
    /// unless local edits still need them (those wait for the push to say what happened).
    private func dropUndelivered(generation: Int64, db: Database) throws {
        let ids = try String.fetchAll(
            db,
            sql: """
                SELECT id FROM entity WHERE snapshot_generation < ? AND version > 0 AND deleted = 0
                AND id NOT IN (SELECT entity_id FROM outbox_op)
                """,
            arguments: [generation]
        )
        for id in ids {
            guard var state = try ReplicaTables.fetch(id, from: .local, db: db) else { continue }
            state.deleted = true
            try ReplicaTables.write(state, to: .local, generation: generation, db: db)
            try ReplicaTables.deleteServerCopy(id, db: db)
        }
    }

    /// Brings one pulled entity into a replica with local edits; returns the conflicts found.
    private func merge(_ theirs: EntityState, generation: Int64, db: Database) throws -> Int {
        let id = theirs.id
        let changesets = try OutboxTable.changesets(touching: id, db: db)
        let pending = changesets.flatMap { $0.ops.filter { $0.entityID == id } }
        guard !pending.isEmpty, let local = try ReplicaTables.fetch(id, from: .local, db: db) else {
            // Nothing waits to be pushed: the server's state is the local view.
            try ReplicaTables.write(theirs, to: .local, generation: generation, db: db)
            try ReplicaTables.deleteServerCopy(id, db: db)
            try ConflictTable.closeAll(on: id, as: "obsolete", db: db)
            return 0
        }
        let firstChangeset = changesets.first?.id
        // The merge base is the server state the local edits started from. Never the local view
        // itself: it holds those edits, so every field the server changed would look like theirs
        // alone and the local edits of it would be dropped as superseded (found by the Jepsen-style
        // sync test). Without a known base the local edits are laid over the server's state.
        let base = try ReplicaTables.fetch(id, from: .server, db: db)
        let pendingDelete = pending.contains { $0.name == "delete" }
        // Deletes on either side.
        if theirs.deleted {
            if local.deleted {
                // Both deleted it: agreed.
                try OutboxTable.strip(id, field: nil, db: db)
                try ReplicaTables.write(theirs, to: .local, generation: generation, db: db)
                try ReplicaTables.deleteServerCopy(id, db: db)
                return 0
            }
            try ConflictTable.record(
                entity: local, field: "deleted", base: .bool(base?.deleted ?? false), theirs: true, mine: false,
                theirsVersion: theirs.version, changesetID: firstChangeset, db: db
            )
            try ReplicaTables.write(theirs, to: .server, db: db)
            return 1
        }
        if local.deleted, pendingDelete {
            let known = pending.filter { $0.name == "delete" }.compactMap(\.baseVersion).max() ?? 0
            try ReplicaTables.write(theirs, to: .server, db: db)
            if theirs.version <= max(base?.version ?? local.version, known) { return 0 }
            try ConflictTable.record(
                entity: local, field: "deleted", base: false, theirs: false, mine: true,
                theirsVersion: theirs.version, changesetID: firstChangeset, db: db
            )
            return 1
        }
        let touched = pending.reduce(into: Set<String>()) { $0.formUnion($1.touchedFields) }
        var merged = local
        var found = 0
        if let base, !base.deleted {
            let outcome = ThreeWayMerge.merge(type: theirs.type, base: base.data, theirs: theirs.data, mine: local.data, mineTouched: touched)
            for conflict in outcome.conflicts {
                let changesetID = changesets.first { $0.ops.contains { $0.entityID == id && $0.touchedFields.contains(conflict.field) } }?.id
                try ConflictTable.record(
                    entity: local, field: conflict.field, base: conflict.base, theirs: conflict.theirs, mine: conflict.mine,
                    theirsVersion: theirs.version, changesetID: changesetID ?? firstChangeset, db: db
                )
            }
            for field in outcome.superseded { try OutboxTable.strip(id, field: field, db: db) }
            merged.data = outcome.data
            found = outcome.conflicts.count
        } else {
            merged.data = ThreeWayMerge.overlay(type: theirs.type, theirs: theirs.data, mine: local.data, mineTouched: touched)
        }
        merged.version = theirs.version
        merged.seq = theirs.seq
        merged.createdAt = theirs.createdAt
        merged.createdBy = theirs.createdBy
        merged.updatedAt = theirs.updatedAt
        merged.updatedBy = theirs.updatedBy
        try ReplicaTables.write(merged, to: .local, generation: generation, db: db)
        try ReplicaTables.write(theirs, to: .server, db: db)
        let waiting = try ConflictTable.openFields(on: id, db: db)
        try OutboxTable.rebase(id, onto: theirs.version, except: waiting, db: db)
        return found
    }
}
