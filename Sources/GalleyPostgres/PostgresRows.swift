import GalleyModel
import GalleyStore
import JSONRPC
import Logging
import NIOCore
import PostgresNIO

/// Statements on one leased connection, run from a thread that may block (the NIO thread pool,
/// never an event loop or the concurrency pool). The changeset applier and the revert planner
/// ask their questions through the synchronous ``ContentReader``; this is how those questions
/// reach PostgreSQL. Writes that need no answer are sent without waiting (`send`): PostgreSQL
/// runs a connection's statements in order, so they pipeline, and ``flush()`` collects them.
final class BlockingConnection {
    let connection: PostgresConnection
    let logger: Logger
    private var inFlight: [EventLoopFuture<PostgresQueryResult>] = []

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Runs `query` (after everything sent before it) and returns its rows.
    func rows(_ query: PostgresQuery) throws -> [PostgresRandomAccessRow] {
        // Collect what was sent first: a failure there (which aborts the transaction) is the
        // error to report, not this statement's "current transaction is aborted".
        try self.flush()
        let result = try self.connection.query(query, logger: self.logger).wait()
        return result.rows.map { $0.makeRandomAccess() }
    }

    func row(_ query: PostgresQuery) throws -> PostgresRandomAccessRow? {
        try self.rows(query).first
    }

    /// Sends a statement whose answer nobody needs; its failure surfaces at the next ``flush()``.
    func send(_ query: PostgresQuery) {
        self.inFlight.append(self.connection.query(query, logger: self.logger))
    }

    /// Waits for every statement sent so far, throwing the first failure.
    func flush() throws {
        let sent = self.inFlight
        self.inFlight = []
        var firstError: (any Error)?
        for future in sent {
            do { _ = try future.wait() } catch { firstError = firstError ?? error }
        }
        if let firstError { throw firstError }
    }

    func execute(_ query: PostgresQuery) throws {
        self.send(query)
        try self.flush()
    }
}

extension PostgresRandomAccessRow {
    func get<T: PostgresDecodable>(_ column: String, as type: T.Type = T.self) throws -> T {
        try self[column].decode(T.self)
    }
}

/// Reading entity rows into ``EntityState`` values (the PostgreSQL twin of the SQLite store's).
enum PostgresEntityRows {
    static let entityColumns = "id, type, version, seq, deleted, data, created_at, updated_at, created_by, updated_by"

    static func state(_ row: PostgresRandomAccessRow) throws -> EntityState {
        let id: String = try row.get("id")
        guard let type = EntityType(rawValue: try row.get("type")) else {
            throw StoreError.unusable("entity \(id) has an unknown type")
        }
        return EntityState(
            type: type,
            id: id,
            version: try row.get("version"),
            seq: try row.get("seq"),
            deleted: try row.get("deleted"),
            data: try Self.document(try row.get("data")),
            createdAt: try row.get("created_at"),
            updatedAt: try row.get("updated_at"),
            createdBy: try row.get("created_by"),
            updatedBy: try row.get("updated_by")
        )
    }

    /// The same columns as a sync item, the document passed on as stored (not parsed).
    static func syncItem(_ row: PostgresRandomAccessRow) throws -> SyncItem {
        let id: String = try row.get("id")
        guard let type = EntityType(rawValue: try row.get("type")) else {
            throw StoreError.unusable("entity \(id) has an unknown type")
        }
        return try SyncItem(
            type: type,
            id: id,
            version: try row.get("version"),
            seq: try row.get("seq"),
            deleted: try row.get("deleted"),
            createdAt: try row.get("created_at"),
            updatedAt: try row.get("updated_at"),
            createdBy: try row.get("created_by"),
            updatedBy: try row.get("updated_by"),
            storedDocument: Array((try row.get("data") as String).utf8)
        )
    }

    static func document(_ text: String) throws -> JSONObject {
        guard case .object(let object) = try JSONParser.parse(text) else {
            throw StoreError.unusable("a stored document is not a JSON object")
        }
        return object
    }

    static func strings(_ text: String) throws -> [String] {
        (try JSONParser.parse(text)).arrayValue?.compactMap(\.stringValue) ?? []
    }

    /// An entity at `version`, with its creation metadata from version 1.
    static let versionSQL = """
        SELECT v.id, v.type, v.version, v.seq, v.deleted, v.data, v.updated_at, v.updated_by,
            f.updated_at AS created_at, f.updated_by AS created_by
        FROM entity_version v JOIN entity_version f ON f.id = v.id AND f.version = 1
        WHERE v.id = $1 AND v.version = $2
        """

    /// The entity's latest version committed at or before `seq`.
    static let latestVersionSQL = """
        SELECT v.id, v.type, v.version, v.seq, v.deleted, v.data, v.updated_at, v.updated_by,
            f.updated_at AS created_at, f.updated_by AS created_by
        FROM entity_version v JOIN entity_version f ON f.id = v.id AND f.version = 1
        WHERE v.id = $1 AND v.seq <= $2
        ORDER BY v.seq DESC, v.version DESC LIMIT 1
        """

    static func bindings(_ values: [any PostgresDynamicTypeEncodable]) -> PostgresBindings {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values { bindings.append(value) }
        return bindings
    }
}

/// Answers the applier's (and the revert planner's) questions over a ``BlockingConnection``,
/// inside the committer's transaction, so each changeset of a batch sees the ones before it.
struct PostgresContentReader: ContentReader {
    let connection: BlockingConnection

    func entity(_ id: String) throws -> EntityState? {
        try self.connection.row("SELECT id, type, version, seq, deleted, data, created_at, updated_at, created_by, updated_by FROM entity WHERE id = \(id)")
            .map(PostgresEntityRows.state)
    }

    func entity(_ id: String, version: Int) throws -> EntityState? {
        try self.connection.row(PostgresQuery(unsafeSQL: PostgresEntityRows.versionSQL, binds: PostgresEntityRows.bindings([id, version])))
            .map(PostgresEntityRows.state)
    }

    func fieldsChanged(_ id: String, after version: Int) throws -> Set<String> {
        var fields = Set<String>()
        for row in try self.connection.rows("SELECT fields FROM entity_version WHERE id = \(id) AND version > \(version)") {
            fields.formUnion(try PostgresEntityRows.strings(try row.get("fields")))
        }
        return fields
    }

    func liveArticleID(slug: String) throws -> String? {
        try self.connection.row("SELECT id FROM article_index WHERE slug = \(slug)")?.get("id")
    }

    func liveLinkIDs(touching articleID: String) throws -> [String] {
        try self.connection.rows("SELECT id FROM link_index WHERE from_id = \(articleID) UNION SELECT id FROM link_index WHERE to_id = \(articleID)")
            .map { try $0.get("id") }
    }

    func liveOutboundLinks(from articleID: String) throws -> [(id: String, toID: String, position: Int)] {
        try self.connection.rows("SELECT id, to_id, position FROM link_index WHERE from_id = \(articleID)")
            .map { (id: try $0.get("id"), toID: try $0.get("to_id"), position: try $0.get("position")) }
    }

    func liveArticlesUsingMedia(_ mediaID: String) throws -> [String] {
        try self.connection.rows("SELECT DISTINCT article_id FROM media_use WHERE media_id = \(mediaID)")
            .map { try $0.get("article_id") }
    }
}
