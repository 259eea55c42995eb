import Foundation
import GRDB
import GalleyModel
import JSONRPC

/// Answers the applier's questions from inside the committer's write transaction, so each
/// changeset of a batch sees the ones before it.
struct SQLiteContentReader: ContentReader {
    let db: Database
    /// The committer's recently committed states, used when the head still names their version.
    var cache: CommittedStateCache? = nil

    func entity(_ id: String) throws -> EntityState? {
        if let cache = self.cache {
            guard let head = try EntityRows.head(id, db: self.db) else { return nil }
            if let state = cache.state(id, version: head.version) { return state }
        }
        return try EntityRows.fetchState(self.db.cachedStatement(sql: "SELECT * FROM entity WHERE id = ?"), arguments: [id])
    }

    func entity(_ id: String, version: Int) throws -> EntityState? {
        try EntityRows.version(id, version: version, db: self.db)
    }

    /// From the head row: an import's links checked their articles by reading and parsing
    /// each 6-10 KB document (BENCHMARKS.md, "Documents through the sync feed as text").
    func liveType(_ id: String) throws -> EntityType? {
        try EntityRows.head(id, db: self.db).flatMap { $0.deleted ? nil : $0.type }
    }

    func fieldsChanged(_ id: String, after version: Int) throws -> Set<String> {
        let lists = try String.fetchAll(self.db.cachedStatement(sql: "SELECT fields FROM entity_version WHERE id = ? AND version > ?"), arguments: [id, version])
        var fields = Set<String>()
        for list in lists {
            for field in (try JSONParser.parse(list)).arrayValue ?? [] {
                if let name = field.stringValue { fields.insert(name) }
            }
        }
        return fields
    }

    func liveArticleID(slug: String) throws -> String? {
        try String.fetchOne(self.db.cachedStatement(sql: "SELECT id FROM article_index WHERE slug = ?"), arguments: [slug])
    }

    func liveLinkIDs(touching articleID: String) throws -> [String] {
        try String.fetchAll(
            self.db.cachedStatement(sql: "SELECT id FROM link_index WHERE from_id = ? UNION SELECT id FROM link_index WHERE to_id = ?"),
            arguments: [articleID, articleID]
        )
    }

    func liveOutboundLinks(from articleID: String) throws -> [(id: String, toID: String, position: Int)] {
        try Row.fetchAll(self.db.cachedStatement(sql: "SELECT id, to_id, position FROM link_index WHERE from_id = ?"), arguments: [articleID])
            .map { (id: $0["id"], toID: $0["to_id"], position: $0["position"]) }
    }

    func liveArticlesUsingMedia(_ mediaID: String) throws -> [String] {
        try String.fetchAll(self.db.cachedStatement(sql: "SELECT DISTINCT article_id FROM media_use WHERE media_id = ?"), arguments: [mediaID])
    }
}

/// Reading entity rows into ``EntityState`` values.
enum EntityRows {
    /// The state in the first row `statement` returns, read while SQLite still holds the row:
    /// its document is parsed from SQLite's own bytes. `Row.fetchOne` copies the row first, which
    /// makes a `String` of each 6-10 KB document (another UTF-8 check and copy) only to parse it;
    /// that was 3% of galleyd's time serving reads from the store (BENCHMARKS.md).
    static func fetchState(_ statement: Statement, arguments: StatementArguments) throws -> EntityState? {
        let rows = try Row.fetchCursor(statement, arguments: arguments)
        return try rows.next().map(Self.state(fromEntityRow:))
    }

    /// Meant for rows read from a cursor (``fetchState(_:arguments:)``, `Row.fetchCursor`): a
    /// copied row (`Row.fetchAll`, `fetchOne`) holds its document as a `String`, which
    /// `withUnsafeData` copies once more.
    static func state(fromEntityRow row: Row) throws -> EntityState {
        guard let type = EntityType(rawValue: row["type"]) else {
            throw StoreError.unusable("entity \(row["id"] as String? ?? "?") has an unknown type")
        }
        return EntityState(
            type: type,
            id: row["id"],
            version: row["version"],
            seq: row["seq"],
            deleted: row["deleted"],
            data: try Self.withDocumentBytes(of: row, Self.document),
            createdAt: row["created_at"],
            updatedAt: row["updated_at"],
            createdBy: row["created_by"],
            updatedBy: row["updated_by"]
        )
    }

    /// The bytes of a row's `data` column as SQLite holds them, for a row live in a cursor (see
    /// ``state(fromEntityRow:)``).
    static func withDocumentBytes<T>(of row: Row, _ body: (UnsafeRawBufferPointer) throws -> T) throws -> T {
        try row.withUnsafeData(named: "data") { data in
            guard let data else { throw StoreError.unusable("entity \(row["id"] as String? ?? "?") has no document") }
            return try data.withUnsafeBytes(body)
        }
    }

    /// The current version of an entity, from its row without reading the document.
    static func head(_ id: String, db: Database) throws -> EntityHead? {
        guard let row = try Row.fetchOne(db.cachedStatement(sql: "SELECT type, version, deleted FROM entity_head WHERE id = ?"), arguments: [id]),
            let type = EntityType(rawValue: row["type"])
        else { return nil }
        return EntityHead(type: type, version: row["version"], deleted: row["deleted"])
    }

    /// An entity as it was at `version`, with its creation metadata from version 1.
    static func version(_ id: String, version: Int, db: Database) throws -> EntityState? {
        // The query names its columns like the entity table's, so one mapping serves both.
        try self.fetchState(self.versionStatement(db), arguments: [id, version])
    }

    /// The row of an entity's `version`, its columns named like the `entity` view's, handed to
    /// `body` live from a cursor (see ``state(fromEntityRow:)`` for why not a copied row).
    static func withVersionRow<T>(_ id: String, version: Int, db: Database, _ body: (Row) throws -> T) throws -> T? {
        let rows = try Row.fetchCursor(self.versionStatement(db), arguments: [id, version])
        return try rows.next().map(body)
    }

    private static func versionStatement(_ db: Database) throws -> Statement {
        try db.cachedStatement(sql: """
            SELECT v.*, first.updated_at AS created_at, first.updated_by AS created_by
            FROM entity_version v JOIN entity_version first ON first.id = v.id AND first.version = 1
            WHERE v.id = ? AND v.version = ?
            """)
    }

    static func document(_ text: String) throws -> JSONObject {
        var text = text
        return try text.withUTF8 { try Self.document(UnsafeRawBufferPointer($0)) }
    }

    static func document(_ bytes: UnsafeRawBufferPointer) throws -> JSONObject {
        guard case .object(let object) = try JSONParser.parse(bytes) else {
            throw StoreError.unusable("a stored document is not a JSON object")
        }
        return object
    }
}
