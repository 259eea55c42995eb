import GalleyModel
import GalleyStore
import JSONRPC
import PostgresNIO

extension PostgresStore {
    public func commit(_ submission: ChangesetSubmission) async throws -> CommitRecord {
        try await self.committer.submit(submission)
    }

    public func entity(_ id: String, version: Int?) async throws -> EntityState? {
        if let version {
            return try await self.rows(PostgresQuery(unsafeSQL: PostgresEntityRows.versionSQL, binds: PostgresEntityRows.bindings([id, version])))
                .first.map(PostgresEntityRows.state)
        }
        return try await self.rows("SELECT \(unescaped: PostgresEntityRows.entityColumns) FROM entity WHERE id = \(id)").first.map(PostgresEntityRows.state)
    }

    public func readEntity(_ id: String, version: Int?, withLeadMedia: Bool, held: @Sendable (Int) -> HeldReply?) async throws -> EntityRead {
        let logger = self.logger
        return try await self.snapshot { connection in
            guard let head = try await Self.head(of: id, on: connection, logger: logger) else { return EntityRead(current: nil) }
            if let reply = held(version ?? head.version) {
                // Only the lead media's version can have moved since the reply was built.
                var leadVersion: Int?
                if let leadID = reply.leadMediaID { leadVersion = try await Self.head(of: leadID, on: connection, logger: logger)?.version }
                if reply.leadMediaID == nil || leadVersion == reply.leadMediaVersion {
                    return EntityRead(current: head, currentHeldReply: reply)
                }
            }
            let stateRow: PostgresRandomAccessRow?
            if let version {
                stateRow = try await connection.rows(PostgresQuery(unsafeSQL: PostgresEntityRows.versionSQL, binds: PostgresEntityRows.bindings([id, version])), logger: logger).first
            } else {
                stateRow = try await connection.rows("SELECT \(unescaped: PostgresEntityRows.entityColumns) FROM entity WHERE id = \(id)", logger: logger).first
            }
            guard let state = try stateRow.map(PostgresEntityRows.state) else { return EntityRead(current: head) }
            var leadMedia: EntityState?
            if withLeadMedia, let leadID = state.data["leadMediaId"]?.stringValue?.lowercased() {
                leadMedia = try await connection.rows("SELECT \(unescaped: PostgresEntityRows.entityColumns) FROM entity WHERE id = \(leadID)", logger: logger)
                    .first.map(PostgresEntityRows.state)
            }
            return EntityRead(current: head, state: state, leadMedia: leadMedia)
        }
    }

    private static func head(of id: String, on connection: PostgresConnection, logger: Logger) async throws -> EntityHead? {
        guard let row = try await connection.rows("SELECT type, version, deleted FROM entity WHERE id = \(id)", logger: logger).first,
            let type = EntityType(rawValue: try row.get("type"))
        else { return nil }
        return EntityHead(type: type, version: try row.get("version"), deleted: try row.get("deleted"))
    }

    /// Every entity's current row, deleted ones included (checks and tests that compare a
    /// replica with the server without going through the sync feed).
    public func allEntities() async throws -> [EntityState] {
        try await self.rows("SELECT \(unescaped: PostgresEntityRows.entityColumns) FROM entity ORDER BY id").map(PostgresEntityRows.state)
    }

    public func liveArticleID(slug: String) async throws -> String? {
        try await self.value("SELECT id FROM article_index WHERE slug = \(slug)", column: "id")
    }

    public func anyArticleID(slug: String) async throws -> String? {
        if let live = try await self.liveArticleID(slug: slug) { return live }
        return try await self.value("SELECT id FROM entity WHERE type = 'article' AND slug = \(slug) ORDER BY seq DESC LIMIT 1", column: "id")
    }

    public func listArticles(_ filter: ArticleFilter) async throws -> [JSONObject] {
        var clauses: [String] = []
        var binds = QueryParameters()
        func parameter(_ value: some PostgresDynamicTypeEncodable) -> String { binds.add(value) }
        if let section = filter.section { clauses.append("a.section = \(parameter(section))") }
        if let status = filter.status { clauses.append("a.status = \(parameter(status))") }
        if let tag = filter.tag { clauses.append("a.id IN (SELECT article_id FROM article_tag WHERE tag = \(parameter(tag)))") }
        if let query = filter.query {
            guard let tsquery = FullTextSearch.query(query) else { return [] }
            clauses.append("a.search @@ to_tsquery('simple', \(parameter(tsquery)))")
        }
        if let updatedAfter = filter.updatedAfter { clauses.append("a.updated_at > \(parameter(updatedAfter))") }
        if let after = filter.after {
            let seq = parameter(after.seq)
            clauses.append("(a.seq < \(seq) OR (a.seq = \(seq) AND a.id < \(parameter(after.id))))")
        }
        let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        let limit = parameter(filter.limit)
        let sql = """
            SELECT a.id, a.slug, a.headline, a.subheadline, a.section, a.status, a.tags, a.published_at,
                a.lead_media_id, a.reading_minutes, a.version, a.seq, a.updated_at
            FROM article_index a \(whereClause) ORDER BY a.seq DESC, a.id DESC LIMIT \(limit)
            """
        return try await self.rows(PostgresQuery(unsafeSQL: sql, binds: binds.bindings)).map { row in
            [
                "id": .string(try row.get("id")),
                "slug": .string(try row.get("slug")),
                "headline": .string(try row.get("headline")),
                "subheadline": (try row.get("subheadline", as: String?.self)).map { .string($0) } ?? .null,
                "section": (try row.get("section", as: String?.self)).map { .string($0) } ?? .null,
                "status": .string(try row.get("status")),
                "tags": try JSONParser.parse(try row.get("tags", as: String.self)),
                "publishedAt": (try row.get("published_at", as: String?.self)).map { .string($0) } ?? .null,
                "leadMediaId": (try row.get("lead_media_id", as: String?.self)).map { .string($0) } ?? .null,
                "readingMinutes": .number(JSONNumber(try row.get("reading_minutes", as: Int.self))),
                "version": .number(JSONNumber(try row.get("version", as: Int.self))),
                "seq": .number(JSONNumber(try row.get("seq", as: Int.self))),
                "updatedAt": .string(try row.get("updated_at")),
            ]
        }
    }

    public func history(_ id: String, limit: Int, beforeVersion: Int?) async throws -> [HistoryEntry] {
        let before = beforeVersion ?? Int(Int32.max)
        return try await self.rows(
            """
            SELECT v.version, v.seq, v.op, v.fields, c.id AS changeset_id, c.author, c.message, c.committed_at
            FROM entity_version v JOIN changeset c ON c.seq = v.seq
            WHERE v.id = \(id) AND v.version < \(before)
            ORDER BY v.version DESC LIMIT \(limit)
            """
        ).map { row in
            HistoryEntry(
                version: try row.get("version"),
                seq: try row.get("seq"),
                changesetID: try row.get("changeset_id"),
                author: try row.get("author"),
                message: try row.get("message"),
                committedAt: try row.get("committed_at"),
                op: try row.get("op"),
                fields: try PostgresEntityRows.strings(try row.get("fields"))
            )
        }
    }

    public func listMedia(query: String?, kind: String?, limit: Int, after: (seq: Int64, id: String)?) async throws -> [EntityState] {
        var clauses: [String] = []
        var binds = QueryParameters()
        func parameter(_ value: some PostgresDynamicTypeEncodable) -> String { binds.add(value) }
        if let query {
            guard let tsquery = FullTextSearch.query(query) else { return [] }
            clauses.append("m.search @@ to_tsquery('simple', \(parameter(tsquery)))")
        }
        if let kind { clauses.append("m.kind = \(parameter(kind))") }
        if let after {
            let seq = parameter(after.seq)
            clauses.append("(m.seq < \(seq) OR (m.seq = \(seq) AND m.id < \(parameter(after.id))))")
        }
        let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        let columns = PostgresEntityRows.entityColumns.split(separator: ", ").map { "e.\($0)" }.joined(separator: ", ")
        let sql = "SELECT \(columns) FROM media_index m JOIN entity e ON e.id = m.id \(whereClause) ORDER BY m.seq DESC, m.id DESC LIMIT \(parameter(limit))"
        return try await self.rows(PostgresQuery(unsafeSQL: sql, binds: binds.bindings)).map(PostgresEntityRows.state)
    }

    public func mediaUsage(_ mediaID: String) async throws -> [MediaUse] {
        try await self.rows(
            """
            SELECT u.article_id, u.role, a.slug, a.headline, a.status
            FROM media_use u JOIN article_index a ON a.id = u.article_id
            WHERE u.media_id = \(mediaID) ORDER BY a.seq DESC, u.role
            """
        ).map {
            MediaUse(articleID: try $0.get("article_id"), slug: try $0.get("slug"), headline: try $0.get("headline"), status: try $0.get("status"), role: try $0.get("role"))
        }
    }

    public func links(of articleID: String, outbound: Bool) async throws -> [EntityState] {
        let column = outbound ? "from_id" : "to_id"
        let columns = PostgresEntityRows.entityColumns.split(separator: ", ").map { "e.\($0)" }.joined(separator: ", ")
        return try await self.rows(
            "SELECT \(unescaped: columns) FROM link_index l JOIN entity e ON e.id = l.id WHERE l.\(unescaped: column) = \(articleID) ORDER BY l.position, l.id"
        ).map(PostgresEntityRows.state)
    }

    public func articleSummaries(_ ids: [String]) async throws -> [String: JSONObject] {
        guard !ids.isEmpty else { return [:] }
        var summaries: [String: JSONObject] = [:]
        let unique = Array(Set(ids))
        for row in try await self.rows("SELECT id, data, deleted FROM entity WHERE id = ANY(\(unique)) AND type = 'article'") {
            let id: String = try row.get("id")
            let data = try PostgresEntityRows.document(try row.get("data"))
            var summary: JSONObject = [
                "id": .string(id),
                "slug": data["slug"] ?? .null,
                "headline": data["headline"] ?? .null,
                "status": data["status"] ?? .null,
            ]
            if try row.get("deleted", as: Bool.self) { summary["deleted"] = .bool(true) }
            summaries[id] = summary
        }
        return summaries
    }

    public func changeset(seq: Int64?, id: String?) async throws -> ChangesetRecord? {
        let columns = "seq, id, message, author, committed_at, ops, results"
        if let seq {
            return try await self.rows("SELECT \(unescaped: columns) FROM changeset WHERE seq = \(seq)").first.map(Self.changesetRecord)
        }
        return try await self.rows("SELECT \(unescaped: columns) FROM changeset WHERE id = \(id?.lowercased() ?? "")").first.map(Self.changesetRecord)
    }

    public func listChangesets(_ filter: ChangesetFilter) async throws -> [ChangesetRecord] {
        var clauses: [String] = []
        var binds = QueryParameters()
        func parameter(_ value: some PostgresDynamicTypeEncodable) -> String { binds.add(value) }
        if let after = filter.after { clauses.append("c.seq > \(parameter(after))") }
        if let before = filter.before { clauses.append("c.seq < \(parameter(before))") }
        if let author = filter.author { clauses.append("c.author = \(parameter(author))") }
        if let entityID = filter.entityID { clauses.append("c.seq IN (SELECT seq FROM entity_version WHERE id = \(parameter(entityID.lowercased())))") }
        let whereClause = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
        let sql = "SELECT c.seq, c.id, c.message, c.author, c.committed_at, c.ops, c.results FROM changeset c \(whereClause) ORDER BY c.seq DESC LIMIT \(parameter(filter.limit))"
        return try await self.rows(PostgresQuery(unsafeSQL: sql, binds: binds.bindings)).map(Self.changesetRecord)
    }

    private static func changesetRecord(_ row: PostgresRandomAccessRow) throws -> ChangesetRecord {
        ChangesetRecord(
            seq: try row.get("seq"),
            id: try row.get("id"),
            message: try row.get("message"),
            author: try row.get("author"),
            committedAt: try row.get("committed_at"),
            ops: (try JSONParser.parse(try row.get("ops", as: String.self))).arrayValue ?? [],
            results: (try JSONParser.parse(try row.get("results", as: String.self))).arrayValue ?? []
        )
    }

    public func producedVersions(seq: Int64) async throws -> [ProducedVersions] {
        try await self.blocking { connection in try Self.producedVersions(seq: seq, on: connection) }
    }

    static func producedVersions(seq: Int64, on connection: BlockingConnection) throws -> [ProducedVersions] {
        var order: [String] = []
        var produced: [String: ProducedVersions] = [:]
        for row in try connection.rows("SELECT id, type, version, fields FROM entity_version WHERE seq = \(seq) ORDER BY id, version") {
            let id: String = try row.get("id")
            let version: Int = try row.get("version")
            let fields = Set(try PostgresEntityRows.strings(try row.get("fields")))
            if var existing = produced[id] {
                existing.firstVersion = min(existing.firstVersion, version)
                existing.lastVersion = max(existing.lastVersion, version)
                existing.fields.formUnion(fields)
                produced[id] = existing
            } else if let type = EntityType(rawValue: try row.get("type")) {
                order.append(id)
                produced[id] = ProducedVersions(type: type, id: id, firstVersion: version, lastVersion: version, fields: fields)
            }
        }
        return order.compactMap { produced[$0] }
    }

    public func revertOps(seq: Int64, force: Bool) async throws -> [ChangesetOp] {
        try await self.blocking { connection in
            let produced = try Self.producedVersions(seq: seq, on: connection)
            return try RevertPlanner.ops(reverting: produced, reader: PostgresContentReader(connection: connection), force: force)
        }
    }
}

/// The bindings of a query assembled from optional filters: `add` returns the `$n` to write.
struct QueryParameters {
    private(set) var bindings = PostgresBindings()

    mutating func add(_ value: some PostgresDynamicTypeEncodable) -> String {
        self.bindings.append(value)
        return "$\(self.bindings.count)"
    }
}
