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

/// Which live articles of the local view to list (`galley article list` inside a replica).
public struct LocalArticleFilter: Sendable, Hashable {
    public var section: String?
    public var status: String?
    public var tag: String?
    /// Only articles changed after this RFC 3339 time.
    public var updatedAfter: String?

    public init(section: String? = nil, status: String? = nil, tag: String? = nil, updatedAfter: String? = nil) {
        self.section = section
        self.status = status
        self.tag = tag
        self.updatedAfter = updatedAfter
    }
}

extension Replica {
    /// Live articles of the local view matching `filter`, most recently changed first (local edits
    /// included), `limit` of them after skipping `offset`.
    public func articles(_ filter: LocalArticleFilter, limit: Int, offset: Int) throws -> [EntityState] {
        var clauses = ["type = 'article'", "deleted = 0"]
        var arguments: StatementArguments = []
        if let section = filter.section {
            clauses.append("json_extract(data, '$.section') = ?")
            _ = arguments.append(contentsOf: [section])
        }
        if let status = filter.status {
            clauses.append("json_extract(data, '$.status') = ?")
            _ = arguments.append(contentsOf: [status])
        }
        if let tag = filter.tag {
            clauses.append("EXISTS (SELECT 1 FROM json_each(data, '$.tags') WHERE value = ?)")
            _ = arguments.append(contentsOf: [tag])
        }
        if let updatedAfter = filter.updatedAfter {
            clauses.append("updated_at > ?")
            _ = arguments.append(contentsOf: [updatedAfter])
        }
        return try self.pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(ReplicaTables.columns) FROM entity WHERE \(clauses.joined(separator: " AND "))
                    ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?
                    """,
                arguments: arguments + [limit, offset]
            ).map(ReplicaTables.state)
        }
    }

    /// Live media of the local view (of one `kind` when given), most recently changed first.
    public func media(kind: String?, limit: Int, offset: Int) throws -> [EntityState] {
        try self.pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(ReplicaTables.columns) FROM entity
                    WHERE type = 'media' AND deleted = 0 AND (? IS NULL OR json_extract(data, '$.kind') = ?)
                    ORDER BY updated_at DESC, id DESC LIMIT ? OFFSET ?
                    """,
                arguments: [kind, kind, limit, offset]
            ).map(ReplicaTables.state)
        }
    }

    /// An article's live links in the local view, outbound (`fromId`) or inbound (`toId`), in
    /// position order as the server lists them.
    public func links(of articleID: String, outbound: Bool) throws -> [EntityState] {
        try self.pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(ReplicaTables.columns) FROM entity WHERE \(outbound ? "from_id" : "to_id") = ?
                    ORDER BY coalesce(json_extract(data, '$.position'), 0), id
                    """,
                arguments: [articleID.lowercased()]
            ).map(ReplicaTables.state)
        }
    }

    /// The live articles of the local view that use a media item, as lead or in the body.
    public func articlesUsing(media mediaID: String) throws -> [EntityState] {
        try self.pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(ReplicaTables.columns) FROM entity
                    WHERE id IN (SELECT article_id FROM media_use WHERE media_id = ?) AND deleted = 0
                    ORDER BY updated_at DESC, id DESC
                    """,
                arguments: [mediaID.lowercased()]
            ).map(ReplicaTables.state)
        }
    }

    /// One page of the local view's live entities in (type, id) order, after `after` when given.
    public func entityPage(after: (type: EntityType, id: String)?, limit: Int) throws -> [EntityState] {
        try self.pool.read { db in
            try Row.fetchAll(
                db,
                sql: """
                    SELECT \(ReplicaTables.columns) FROM entity
                    WHERE deleted = 0 AND (? IS NULL OR (type, id) > (?, ?))
                    ORDER BY type, id LIMIT ?
                    """,
                arguments: [after?.type.rawValue, after?.type.rawValue, after?.id, limit]
            ).map(ReplicaTables.state)
        }
    }

    /// A queued changeset of the outbox by its id, nil when none is queued with that id.
    public func outboxChangeset(id: String) throws -> OutboxChangeset? {
        try self.pool.read { db in try OutboxTable.changeset(id: id.lowercased(), db: db) }
    }
}
