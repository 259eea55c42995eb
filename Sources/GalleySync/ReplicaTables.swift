import GRDB
import GalleyModel
import JSONRPC

/// Reading and writing the replica's entity tables (`entity`, the local view, and
/// `server_entity`, the last known server state of edited entities). Called inside transactions.
enum ReplicaTables {
    enum Table: String {
        case local = "entity"
        case server = "server_entity"
    }

    static let columns = "id, type, version, seq, deleted, data, created_at, updated_at, created_by, updated_by"

    static func state(_ row: Row) throws -> EntityState {
        guard let type = EntityType(rawValue: row["type"]) else {
            throw ReplicaError.unusable("entity \(row["id"] as String? ?? "?") has an unknown type")
        }
        return EntityState(
            type: type,
            id: row["id"],
            version: row["version"],
            seq: row["seq"],
            deleted: row["deleted"],
            data: try self.document(row["data"]),
            createdAt: row["created_at"],
            updatedAt: row["updated_at"],
            createdBy: row["created_by"],
            updatedBy: row["updated_by"]
        )
    }

    static func document(_ text: String) throws -> JSONObject {
        guard case .object(let object) = try JSONParser.parse(text) else {
            throw ReplicaError.unusable("a stored document is not a JSON object")
        }
        return object
    }

    static func fetch(_ id: String, from table: Table, db: Database) throws -> EntityState? {
        try Row.fetchOne(db, sql: "SELECT \(self.columns) FROM \(table.rawValue) WHERE id = ?", arguments: [id]).map(self.state)
    }

    /// Writes `state` into `table`, replacing any row with its id. For the local view it also
    /// keeps `media_use` in step and stamps the snapshot generation (when given; a local edit
    /// keeps the one the row has).
    static func write(_ state: EntityState, to table: Table, generation: Int64? = nil, db: Database) throws {
        try self.write(StoredEntity(state), to: table, generation: generation, db: db)
    }

    /// An entity as the tables hold it: its document as JSON text.
    struct StoredEntity {
        var type: EntityType
        var id: String
        var version: Int
        var seq: Int64
        var deleted: Bool
        var document: String
        var createdAt: String
        var updatedAt: String
        var createdBy: String
        var updatedBy: String
        /// The media an article uses (read for live articles written to the local view).
        var mediaIDs: () -> Set<String>
        /// The document's lookup members as they appear in it (read for the local view only).
        var lookups: Lookups

        /// The local view's lookup columns: a live article's slug, a live link's two ends.
        var lookupColumns: (slug: String?, fromID: String?, toID: String?) {
            guard !self.deleted else { return (nil, nil, nil) }
            switch self.type {
            case .article: return (self.lookups.slug, nil, nil)
            case .link: return (nil, self.lookups.fromID, self.lookups.toID)
            case .media: return (nil, nil, nil)
            }
        }

        /// The entity with its document parsed.
        func state() throws -> EntityState {
            EntityState(
                type: self.type, id: self.id, version: self.version, seq: self.seq, deleted: self.deleted,
                data: try ReplicaTables.document(self.document), createdAt: self.createdAt, updatedAt: self.updatedAt,
                createdBy: self.createdBy, updatedBy: self.updatedBy
            )
        }
    }

    static func write(_ row: StoredEntity, to table: Table, generation: Int64? = nil, db: Database) throws {
        // One statement per row, cached: a clone writes thousands of rows per page, and a second
        // statement for the generation would rewrite the whole row (its document spills into
        // overflow pages) a second time. The local view's lookup columns go with the row.
        let local = table == .local
        let stamped = local && generation != nil
        let upsert = try db.cachedStatement(sql: Self.upsertSQL(local: local, stamped: stamped))
        var arguments: StatementArguments = [
            row.id, row.type.rawValue, row.version, row.seq, row.deleted, row.document,
            row.createdAt, row.updatedAt, row.createdBy, row.updatedBy,
        ]
        if local {
            let lookups = row.lookupColumns
            arguments += [lookups.slug, lookups.fromID, lookups.toID]
        }
        if stamped { arguments += [generation] }
        try upsert.execute(arguments: arguments)
        guard table == .local else { return }
        guard row.type == .article else { return }
        try db.cachedStatement(sql: "DELETE FROM media_use WHERE article_id = ?").execute(arguments: [row.id])
        if !row.deleted {
            for mediaID in row.mediaIDs().sorted() {
                try db.cachedStatement(sql: "INSERT OR IGNORE INTO media_use (media_id, article_id) VALUES (?, ?)").execute(arguments: [mediaID, row.id])
            }
        }
    }

    /// The upsert of a row: into `server_entity`, or into the local view with its lookup columns,
    /// and its snapshot generation when `stamped`. Made once per kind: building the text for
    /// every row (and hashing it to find the cached statement) was 2% of a clone.
    private static func upsertSQL(local: Bool, stamped: Bool) -> String {
        switch (local, stamped) {
        case (false, _): Self.serverUpsertSQL
        case (true, false): Self.localUpsertSQL
        case (true, true): Self.stampedUpsertSQL
        }
    }

    private static let serverUpsertSQL = Self.makeUpsertSQL(local: false, stamped: false)
    private static let localUpsertSQL = Self.makeUpsertSQL(local: true, stamped: false)
    private static let stampedUpsertSQL = Self.makeUpsertSQL(local: true, stamped: true)

    private static func makeUpsertSQL(local: Bool, stamped: Bool) -> String {
        let table = local ? Table.local : Table.server
        let extra = (local ? ", slug, from_id, to_id" : "") + (stamped ? ", snapshot_generation" : "")
        return """
            INSERT INTO \(table.rawValue) (\(self.columns)\(extra))
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?\(local ? ", ?, ?, ?" : "")\(stamped ? ", ?" : ""))
            ON CONFLICT (id) DO UPDATE SET type = excluded.type, version = excluded.version, seq = excluded.seq,
                deleted = excluded.deleted, data = excluded.data, created_at = excluded.created_at,
                updated_at = excluded.updated_at, created_by = excluded.created_by, updated_by = excluded.updated_by
                \(local ? ", slug = excluded.slug, from_id = excluded.from_id, to_id = excluded.to_id" : "")
                \(stamped ? ", snapshot_generation = excluded.snapshot_generation" : "")
            """
    }

    static func deleteServerCopy(_ id: String, db: Database) throws {
        try db.execute(sql: "DELETE FROM server_entity WHERE id = ?", arguments: [id])
    }

    /// A row received from `sync.pull`: a tombstone keeps the last document known locally.
    static func pulledRow(_ item: PulledItem, db: Database) throws -> StoredEntity {
        guard !item.deleted, let document = item.document else {
            let previous = try Row.fetchOne(
                db.cachedStatement(sql: "SELECT data, created_at, updated_at, created_by, updated_by FROM entity WHERE id = ?"),
                arguments: [item.id]
            )
            return StoredEntity(
                type: item.type, id: item.id, version: item.version, seq: item.seq, deleted: true,
                document: previous?["data"] ?? "{}", createdAt: previous?["created_at"] ?? "", updatedAt: previous?["updated_at"] ?? "",
                createdBy: previous?["created_by"] ?? "", updatedBy: previous?["updated_by"] ?? "", mediaIDs: { [] },
                lookups: Lookups()
            )
        }
        let mediaIDs = document.mediaIDs
        return StoredEntity(
            type: item.type, id: item.id, version: item.version, seq: item.seq, deleted: false, document: document.text,
            createdAt: document.createdAt, updatedAt: document.updatedAt, createdBy: document.createdBy,
            updatedBy: document.updatedBy, mediaIDs: { mediaIDs }, lookups: document.lookups
        )
    }
}

extension ReplicaTables.StoredEntity {
    /// `state` with its document written as text.
    init(_ state: EntityState) {
        self.init(
            type: state.type, id: state.id, version: state.version, seq: state.seq, deleted: state.deleted,
            document: JSONWriter.string(.object(state.data)), createdAt: state.createdAt, updatedAt: state.updatedAt,
            createdBy: state.createdBy, updatedBy: state.updatedBy, mediaIDs: { ChangesetApplier.mediaIDs(usedBy: state.data) },
            lookups: Lookups(
                slug: state.data["slug"]?.stringValue, fromID: state.data["fromId"]?.stringValue,
                toID: state.data["toId"]?.stringValue
            )
        )
    }
}

/// The members of a document the local view's lookup columns come from (`slug`, `fromId`,
/// `toId`), each when it is a string. Which of them a row's columns keep depends on its type
/// (``ReplicaTables/StoredEntity/lookupColumns``).
struct Lookups: Sendable, Hashable {
    var slug: String?
    var fromID: String?
    var toID: String?
}

/// Answers the applier's questions from the replica's local view, inside the edit's transaction,
/// so a local edit is checked by exactly the rules the server applies.
struct LocalContentReader: ContentReader {
    let db: Database

    func entity(_ id: String) throws -> EntityState? {
        try ReplicaTables.fetch(id, from: .local, db: self.db)
    }

    /// Local edits carry no base version to the applier, so it never asks for history.
    func entity(_ id: String, version: Int) throws -> EntityState? { nil }

    func fieldsChanged(_ id: String, after version: Int) throws -> Set<String> { [] }

    func liveArticleID(slug: String) throws -> String? {
        try String.fetchOne(self.db, sql: "SELECT id FROM entity WHERE slug = ? LIMIT 1", arguments: [slug])
    }

    func liveLinkIDs(touching articleID: String) throws -> [String] {
        try String.fetchAll(
            self.db,
            sql: "SELECT id FROM entity WHERE from_id = ? UNION SELECT id FROM entity WHERE to_id = ?",
            arguments: [articleID, articleID]
        )
    }

    func liveOutboundLinks(from articleID: String) throws -> [(id: String, toID: String, position: Int)] {
        try Row.fetchAll(
            self.db,
            sql: "SELECT id, to_id, json_extract(data, '$.position') AS position FROM entity WHERE from_id = ?",
            arguments: [articleID]
        ).map { (id: $0["id"], toID: $0["to_id"], position: $0["position"] ?? 0) }
    }

    func liveArticlesUsingMedia(_ mediaID: String) throws -> [String] {
        try String.fetchAll(self.db, sql: "SELECT article_id FROM media_use WHERE media_id = ?", arguments: [mediaID])
    }
}
