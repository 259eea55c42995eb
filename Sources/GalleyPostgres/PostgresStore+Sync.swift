import GalleyModel
import GalleyStore
import PostgresNIO

extension PostgresStore {
    /// One page of the snapshot of every entity live at `head`, in (type, id) order after `after`
    /// (the SQLite store's algorithm, in one REPEATABLE READ transaction).
    public func snapshotPage(at head: Int64, after: (type: EntityType, id: String)?, limit: Int) async throws -> SyncPage {
        let logger = self.logger
        return try await self.snapshot { connection in
            let currentHead: Int64 = try await connection.rows("SELECT v FROM seq_counter WHERE id = 1", logger: logger).first?.get("v") ?? 0
            var items: [SyncItem] = []
            var position = after.map { ($0.type.rawValue, $0.id) } ?? ("", "")
            var exhausted = false
            while items.count < limit && !exhausted {
                let wanted = limit - items.count
                let rows = try await connection.rows(
                    """
                    SELECT \(unescaped: PostgresEntityRows.entityColumns) FROM entity
                    WHERE (type, id) > (\(position.0), \(position.1)) ORDER BY type, id LIMIT \(wanted)
                    """,
                    logger: logger
                )
                exhausted = rows.count < wanted
                for row in rows {
                    let current = try PostgresEntityRows.syncItem(row)
                    position = (current.type.rawValue, current.id)
                    let item = current.seq <= head ? current : try await Self.latestVersion(current.id, atOrBefore: head, on: connection, logger: logger)
                    guard let item, !item.deleted else { continue }
                    items.append(item)
                }
            }
            let size: Int? =
                after == nil
                ? try await connection.rows("SELECT count(*) AS n FROM entity WHERE NOT deleted", logger: logger).first?.get("n", as: Int.self)
                : nil
            return SyncPage(
                items: items,
                snapshotResume: exhausted ? nil : (EntityType(rawValue: position.0) ?? .article, position.1),
                consistentAt: exhausted ? head : nil,
                head: currentHead,
                hasMore: !exhausted || head < currentHead,
                snapshotSize: size
            )
        }
    }

    /// One log page: every entity changed in the changesets after `after`, at its state as of the
    /// page's end; about `limit` entities, never splitting a changeset.
    public func logPage(after: Int64, limit: Int) async throws -> SyncPage {
        let logger = self.logger
        return try await self.snapshot { connection in
            let head: Int64 = try await connection.rows("SELECT v FROM seq_counter WHERE id = 1", logger: logger).first?.get("v") ?? 0
            let counts = try await connection.rows(
                "SELECT seq, count(*) AS n FROM entity_version WHERE seq > \(after) GROUP BY seq ORDER BY seq LIMIT \(limit + 1)",
                logger: logger
            )
            let through = LogPageRange.end(
                after: after,
                head: head,
                limit: limit,
                counts: try counts.map { (seq: try $0.get("seq"), entities: try $0.get("n")) }
            )
            let rows = try await connection.rows(
                """
                SELECT DISTINCT ON (v.id) v.id, v.type, v.version, v.seq, v.deleted, v.data, v.updated_at, v.updated_by,
                    f.updated_at AS created_at, f.updated_by AS created_by
                FROM entity_version v JOIN entity_version f ON f.id = v.id AND f.version = 1
                WHERE v.id IN (SELECT id FROM entity_version WHERE seq > \(after) AND seq <= \(through)) AND v.seq <= \(through)
                ORDER BY v.id, v.seq DESC, v.version DESC
                """,
                logger: logger
            )
            let items = try rows.map(PostgresEntityRows.syncItem)
            return SyncPage(items: items, snapshotResume: nil, consistentAt: through, head: head, hasMore: through < head)
        }
    }

    static func latestVersion(_ id: String, atOrBefore seq: Int64, on connection: PostgresConnection, logger: Logger) async throws -> SyncItem? {
        try await connection.rows(PostgresQuery(unsafeSQL: PostgresEntityRows.latestVersionSQL, binds: PostgresEntityRows.bindings([id, seq])), logger: logger)
            .first.map(PostgresEntityRows.syncItem)
    }
}
