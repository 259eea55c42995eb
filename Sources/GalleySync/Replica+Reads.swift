import GRDB
import GalleyModel
import JSONRPC

/// A replica at a glance, for `galley status`.
public struct ReplicaStatus: Sendable, Hashable {
    public var server: String
    public var position: SyncPosition
    /// Changesets in the outbox (all of them, waiting and refused ones included).
    public var pendingChangesets: Int
    /// Of those, the ones that cannot go now (conflicts, refused edits, or behind them).
    public var waitingChangesets: Int
    public var rejectedChangesets: Int
    public var openConflicts: Int
    /// Live entities in the local view, per type.
    public var entities: [EntityType: Int]
}

extension Replica {
    /// The local view of an entity (server state with local edits), tombstones included.
    public func entity(_ id: String) throws -> EntityState? {
        try self.pool.read { db in try ReplicaTables.fetch(id.lowercased(), from: .local, db: db) }
    }

    /// The last known server state of an entity with local edits (nil when it has none).
    public func serverEntity(_ id: String) throws -> EntityState? {
        try self.pool.read { db in try ReplicaTables.fetch(id.lowercased(), from: .server, db: db) }
    }

    /// Every entity of the local view of `type` (tombstones included when asked), by id.
    public func entities(_ type: EntityType, includeDeleted: Bool = false) throws -> [EntityState] {
        try self.pool.read { db in
            try Row.fetchAll(
                db,
                sql: "SELECT \(ReplicaTables.columns) FROM entity WHERE type = ? \(includeDeleted ? "" : "AND deleted = 0") ORDER BY id",
                arguments: [type.rawValue]
            ).map(ReplicaTables.state)
        }
    }

    /// The live article holding `slug` in the local view.
    public func articleID(slug: String) throws -> String? {
        try self.pool.read { db in try LocalContentReader(db: db).liveArticleID(slug: slug) }
    }

    /// The replica at a glance (read-only; works offline).
    public func status() throws -> ReplicaStatus {
        let waiting = try self.waitingChangesetIDs().count
        return try self.pool.read { db in
            var entities: [EntityType: Int] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT type, count(*) AS n FROM entity WHERE deleted = 0 GROUP BY type") {
                if let type = EntityType(rawValue: row["type"]) { entities[type] = row["n"] }
            }
            return ReplicaStatus(
                server: self.settings.server,
                position: try Self.position(db: db),
                pendingChangesets: try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox_changeset") ?? 0,
                waitingChangesets: waiting,
                rejectedChangesets: try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox_changeset WHERE status = 'rejected'") ?? 0,
                openConflicts: try Int.fetchOne(db, sql: "SELECT count(*) FROM conflict WHERE resolved_at IS NULL") ?? 0,
                entities: entities
            )
        }
    }
}
