import Foundation
import GRDB
import GalleyModel
import JSONRPC

extension SQLiteStore {
    public func commit(_ submission: ChangesetSubmission) async throws -> CommitRecord {
        try await self.committer.submit(submission)
    }

    public func entity(_ id: String, version: Int?) async throws -> EntityState? {
        try await self.pool.read { db in
            if let version { return try EntityRows.version(id, version: version, db: db) }
            return try SQLiteContentReader(db: db).entity(id)
        }
    }

    public func readEntity(_ id: String, version: Int?, withLeadMedia: Bool, held: @Sendable (Int) -> HeldReply?) async throws -> EntityRead {
        try await self.pool.read { db in
            guard let head = try EntityRows.head(id, db: db) else { return EntityRead(current: nil) }
            if let reply = held(version ?? head.version) {
                // Only the lead media's version can have moved since the reply was built.
                let leadVersion = try reply.leadMediaID.map { try EntityRows.head($0, db: db)?.version }
                if reply.leadMediaID == nil || leadVersion == reply.leadMediaVersion {
                    return EntityRead(current: head, currentHeldReply: reply)
                }
            }
            let reader = SQLiteContentReader(db: db)
            guard let state = try version.map({ try reader.entity(id, version: $0) }) ?? reader.entity(id) else {
                return EntityRead(current: head)
            }
            var leadMedia: EntityState?
            if withLeadMedia, let leadID = state.data["leadMediaId"]?.stringValue {
                leadMedia = try reader.entity(leadID.lowercased())
            }
            return EntityRead(current: head, state: state, leadMedia: leadMedia)
        }
    }

    public func liveArticleID(slug: String) async throws -> String? {
        try await self.pool.read { db in try SQLiteContentReader(db: db).liveArticleID(slug: slug) }
    }

    public func anyArticleID(slug: String) async throws -> String? {
        try await self.pool.read { db in
            if let live = try SQLiteContentReader(db: db).liveArticleID(slug: slug) { return live }
            return try String.fetchOne(
                db.cachedStatement(sql: "SELECT id FROM entity WHERE type = 'article' AND json_extract(data, '$.slug') = ? ORDER BY seq DESC LIMIT 1"),
                arguments: [slug]
            )
        }
    }

    public func listArticles(_ filter: ArticleFilter) async throws -> [JSONObject] {
        try await self.pool.read { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            if let section = filter.section {
                clauses.append("a.section = ?")
                _ = arguments.append(contentsOf: [section])
            }
            if let status = filter.status {
                clauses.append("a.status = ?")
                _ = arguments.append(contentsOf: [status])
            }
            if let tag = filter.tag {
                clauses.append("a.id IN (SELECT article_id FROM article_tag WHERE tag = ?)")
                _ = arguments.append(contentsOf: [tag])
            }
            if let query = filter.query {
                // Every word somewhere in the article: in its headline and subheadline, or its body.
                for term in FullTextQuery.terms(query) {
                    clauses.append(
                        "a.id IN (SELECT id FROM article_title_fts WHERE article_title_fts MATCH ? UNION SELECT id FROM article_body_fts WHERE article_body_fts MATCH ?)"
                    )
                    _ = arguments.append(contentsOf: [term, term])
                }
            }
            if let updatedAfter = filter.updatedAfter {
                clauses.append("a.updated_at > ?")
                _ = arguments.append(contentsOf: [updatedAfter])
            }
            if let after = filter.after {
                clauses.append("(a.seq < ? OR (a.seq = ? AND a.id < ?))")
                _ = arguments.append(contentsOf: [after.seq, after.seq, after.id])
            }
            let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            let rows = try Row.fetchAll(
                db,
                sql: "SELECT a.* FROM article_index a \(whereClause) ORDER BY a.seq DESC, a.id DESC LIMIT ?",
                arguments: arguments + [filter.limit]
            )
            return try rows.map { row in
                [
                    "id": .string(row["id"]),
                    "slug": .string(row["slug"]),
                    "headline": .string(row["headline"]),
                    "subheadline": (row["subheadline"] as String?).map { .string($0) } ?? .null,
                    "section": (row["section"] as String?).map { .string($0) } ?? .null,
                    "status": .string(row["status"]),
                    "tags": try JSONParser.parse(row["tags"] as String),
                    "publishedAt": (row["published_at"] as String?).map { .string($0) } ?? .null,
                    "leadMediaId": (row["lead_media_id"] as String?).map { .string($0) } ?? .null,
                    "readingMinutes": .number(JSONNumber(row["reading_minutes"] as Int)),
                    "version": .number(JSONNumber(row["version"] as Int)),
                    "seq": .number(JSONNumber(row["seq"] as Int)),
                    "updatedAt": .string(row["updated_at"]),
                ]
            }
        }
    }

    public func history(_ id: String, limit: Int, beforeVersion: Int?) async throws -> [HistoryEntry] {
        try await self.pool.read { db in
            let rows = try Row.fetchAll(
                db.cachedStatement(sql: """
                    SELECT v.version, v.seq, v.op, v.fields, c.id AS changeset_id, c.author, c.message, c.committed_at
                    FROM entity_version v JOIN changeset c ON c.seq = v.seq
                    WHERE v.id = ? AND v.version < ?
                    ORDER BY v.version DESC LIMIT ?
                    """),
                arguments: [id, beforeVersion ?? Int.max, limit]
            )
            return try rows.map { row in
                HistoryEntry(
                    version: row["version"],
                    seq: row["seq"],
                    changesetID: row["changeset_id"],
                    author: row["author"],
                    message: row["message"],
                    committedAt: row["committed_at"],
                    op: row["op"],
                    fields: (try JSONParser.parse(row["fields"] as String)).arrayValue?.compactMap(\.stringValue) ?? []
                )
            }
        }
    }

    public func listMedia(query: String?, kind: String?, limit: Int, after: (seq: Int64, id: String)?) async throws -> [EntityState] {
        try await self.pool.read { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            if let query {
                clauses.append("m.id IN (SELECT id FROM media_fts WHERE media_fts MATCH ?)")
                _ = arguments.append(contentsOf: [FullTextQuery.match(query)])
            }
            if let kind {
                clauses.append("m.kind = ?")
                _ = arguments.append(contentsOf: [kind])
            }
            if let after {
                clauses.append("(m.seq < ? OR (m.seq = ? AND m.id < ?))")
                _ = arguments.append(contentsOf: [after.seq, after.seq, after.id])
            }
            let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT e.* FROM media_index m JOIN entity e ON e.id = m.id \(whereClause) ORDER BY m.seq DESC, m.id DESC LIMIT ?",
                arguments: arguments + [limit]
            )
            return try Array(rows.map(EntityRows.state(fromEntityRow:)))
        }
    }

    public func mediaUsage(_ mediaID: String) async throws -> [MediaUse] {
        try await self.pool.read { db in
            try Row.fetchAll(
                db.cachedStatement(sql: """
                    SELECT u.article_id, u.role, a.slug, a.headline, a.status
                    FROM media_use u JOIN article_index a ON a.id = u.article_id
                    WHERE u.media_id = ? ORDER BY a.seq DESC, u.role
                    """),
                arguments: [mediaID]
            ).map {
                MediaUse(articleID: $0["article_id"], slug: $0["slug"], headline: $0["headline"], status: $0["status"], role: $0["role"])
            }
        }
    }

    public func links(of articleID: String, outbound: Bool) async throws -> [EntityState] {
        try await self.pool.read { db in
            let column = outbound ? "from_id" : "to_id"
            let rows = try Row.fetchCursor(
                db,
                sql: "SELECT e.* FROM link_index l JOIN entity e ON e.id = l.id WHERE l.\(column) = ? ORDER BY l.position, l.id",
                arguments: [articleID]
            )
            return try Array(rows.map(EntityRows.state(fromEntityRow:)))
        }
    }

    public func articleSummaries(_ ids: [String]) async throws -> [String: JSONObject] {
        guard !ids.isEmpty else { return [:] }
        return try await self.pool.read { db in
            var summaries: [String: JSONObject] = [:]
            for id in Set(ids) {
                guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT data, deleted FROM entity WHERE id = ? AND type = 'article'"), arguments: [id]) else { continue }
                let data = try EntityRows.document(row["data"])
                var summary: JSONObject = [
                    "id": .string(id),
                    "slug": data["slug"] ?? .null,
                    "headline": data["headline"] ?? .null,
                    "status": data["status"] ?? .null,
                ]
                if row["deleted"] as Bool { summary["deleted"] = .bool(true) }
                summaries[id] = summary
            }
            return summaries
        }
    }

    public func changeset(seq: Int64?, id: String?) async throws -> ChangesetRecord? {
        try await self.pool.read { db in
            let row: Row?
            if let seq {
                row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM changeset WHERE seq = ?"), arguments: [seq])
            } else {
                row = try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM changeset WHERE id = ?"), arguments: [id?.lowercased()])
            }
            return try row.map(Self.changesetRecord)
        }
    }

    public func listChangesets(_ filter: ChangesetFilter) async throws -> [ChangesetRecord] {
        try await self.pool.read { db in
            var clauses: [String] = []
            var arguments: StatementArguments = []
            if let after = filter.after {
                clauses.append("c.seq > ?")
                _ = arguments.append(contentsOf: [after])
            }
            if let before = filter.before {
                clauses.append("c.seq < ?")
                _ = arguments.append(contentsOf: [before])
            }
            if let author = filter.author {
                clauses.append("c.author = ?")
                _ = arguments.append(contentsOf: [author])
            }
            if let entityID = filter.entityID {
                clauses.append("c.seq IN (SELECT seq FROM entity_version WHERE id = ?)")
                _ = arguments.append(contentsOf: [entityID.lowercased()])
            }
            let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            return try Row.fetchAll(
                db,
                sql: "SELECT c.* FROM changeset c \(whereClause) ORDER BY c.seq DESC LIMIT ?",
                arguments: arguments + [filter.limit]
            ).map(Self.changesetRecord)
        }
    }

    private static func changesetRecord(_ row: Row) throws -> ChangesetRecord {
        ChangesetRecord(
            seq: row["seq"],
            id: row["id"],
            message: row["message"],
            author: row["author"],
            committedAt: row["committed_at"],
            ops: (try JSONParser.parse(row["ops"] as String)).arrayValue ?? [],
            results: (try JSONParser.parse(row["results"] as String)).arrayValue ?? []
        )
    }

    public func producedVersions(seq: Int64) async throws -> [ProducedVersions] {
        try await self.pool.read { db in try Self.producedVersions(seq: seq, db: db) }
    }

    static func producedVersions(seq: Int64, db: Database) throws -> [ProducedVersions] {
        let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT id, type, version, fields FROM entity_version WHERE seq = ? ORDER BY id, version"), arguments: [seq])
        var order: [String] = []
        var produced: [String: ProducedVersions] = [:]
        for row in rows {
            let id: String = row["id"]
            let version: Int = row["version"]
            let fields = Set((try JSONParser.parse(row["fields"] as String)).arrayValue?.compactMap(\.stringValue) ?? [])
            if var existing = produced[id] {
                existing.firstVersion = min(existing.firstVersion, version)
                existing.lastVersion = max(existing.lastVersion, version)
                existing.fields.formUnion(fields)
                produced[id] = existing
            } else if let type = EntityType(rawValue: row["type"]) {
                order.append(id)
                produced[id] = ProducedVersions(type: type, id: id, firstVersion: version, lastVersion: version, fields: fields)
            }
        }
        return order.compactMap { produced[$0] }
    }

    public func revertOps(seq: Int64, force: Bool) async throws -> [ChangesetOp] {
        try await self.pool.read { db in
            let produced = try Self.producedVersions(seq: seq, db: db)
            return try RevertPlanner.ops(reverting: produced, reader: SQLiteContentReader(db: db), force: force)
        }
    }
}

/// Turns what a person types into an FTS5 query: every word must appear (prefix match on the
/// last one), and no character can break the query syntax.
enum FullTextQuery {
    /// One FTS5 query per word (each a quoted string, the last a prefix), all of which must match.
    static func terms(_ text: String) -> [String] {
        let words = text.split(whereSeparator: { $0.isWhitespace }).map { word in
            "\"" + word.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        guard let last = words.last else { return ["\"\""] }
        return words.dropLast() + [last + "*"]
    }

    /// The words as one FTS5 query that needs all of them in one row.
    static func match(_ text: String) -> String {
        self.terms(text).joined(separator: " ")
    }
}
