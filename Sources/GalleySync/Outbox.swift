import GRDB
import GalleyModel
import JSONRPC

/// One local edit waiting in the outbox: a changeset with its idempotency id, message and ops.
public struct OutboxChangeset: Sendable, Hashable {
    public enum Status: String, Sendable {
        /// Waiting to be pushed (or waiting behind a conflict).
        case pending
        /// The server refused it (validation or integrity); it stays, with `error`, until fixed.
        case rejected
    }

    /// Outbox order: changesets are pushed in increasing position.
    public var position: Int64
    public var id: String
    public var message: String
    public var createdAt: String
    public var status: Status
    /// The server's error for a rejected changeset.
    public var error: JSONValue?
    /// True while a push may have delivered it without an answer; its content is frozen until
    /// the server says whether it was applied.
    public var sent: Bool
    public var ops: [OutboxOp]

    /// The params member `sync.push` takes for it.
    public var pushJSON: JSONValue {
        ["id": .string(self.id), "message": .string(self.message), "ops": .array(self.ops.map(\.json))]
    }

    /// Every entity it edits or refers to (a link's articles, an article's media): a changeset
    /// waits while any of them has an open conflict or an earlier refused edit.
    var entityIDs: Set<String> { self.ops.reduce(into: Set<String>()) { $0.formUnion($1.references) } }
}

/// One op of an outbox changeset.
public struct OutboxOp: Sendable, Hashable {
    public var index: Int
    public var entityID: String
    public var type: EntityType
    /// The op as it will be sent, without `baseVersion`.
    public var op: JSONObject
    /// The server version the op is based on; nil for entities created in this replica.
    public var baseVersion: Int?

    public var name: String { self.op["op"]?.stringValue ?? "" }

    /// The op as sent: with `baseVersion` when there is one.
    public var json: JSONValue {
        var object = self.op
        if let baseVersion { object["baseVersion"] = .number(JSONNumber(baseVersion)) }
        return .object(object)
    }

    /// The field paths the op writes (credit members expanded); a create or delete writes them all.
    var touchedFields: Set<String> {
        switch self.name {
        case "update":
            return ContentRules.touchedFields(set: self.op["set"]?.objectValue ?? [:], unset: self.unset, type: self.type)
        default:
            return Set(ContentRules.fieldPaths(self.type))
        }
    }

    var unset: [String] { self.op["unset"]?.arrayValue?.compactMap(\.stringValue) ?? [] }

    /// The entity and the entities its data refers to.
    var references: Set<String> {
        var ids: Set<String> = [self.entityID]
        let data = self.op["data"]?.objectValue ?? self.op["set"]?.objectValue ?? [:]
        for key in ["fromId", "toId", "leadMediaId"] {
            if let id = data[key]?.stringValue { ids.insert(id.lowercased()) }
        }
        ids.formUnion(ChangesetApplier.mediaIDs(usedBy: data))
        return ids
    }

    /// The op without `field` (a field path); nil when nothing is left of it. A whole `credit`
    /// object is split into its members first so one member can be taken out.
    func removing(_ field: String) -> OutboxOp? {
        guard self.name == "update" else { return self }
        var set = self.op["set"]?.objectValue ?? [:]
        var unset = self.unset
        if field.hasPrefix("credit."), let credit = set["credit"] {
            set["credit"] = nil
            let members = credit.objectValue ?? [:]
            for path in ContentRules.creditPaths {
                let member = String(path.dropFirst("credit.".count))
                if let value = members[member], !value.isNull { set[path] = value } else { unset.append(path) }
            }
        }
        if field.hasPrefix("credit."), let index = unset.firstIndex(of: "credit") {
            unset.remove(at: index)
            for path in ContentRules.creditPaths where set[path] == nil { unset.append(path) }
        }
        set[field] = nil
        unset.removeAll { $0 == field }
        if field == "credit" {
            for path in ContentRules.creditPaths {
                set[path] = nil
                unset.removeAll { $0 == path }
            }
        }
        if set.isEmpty && unset.isEmpty { return nil }
        var copy = self
        copy.op["set"] = set.isEmpty ? nil : .object(set)
        copy.op["unset"] = unset.isEmpty ? nil : .array(unset.map { .string($0) })
        return copy
    }
}

/// The outbox tables, inside transactions.
enum OutboxTable {
    static func all(db: Database) throws -> [OutboxChangeset] {
        try self.load(db: db, sql: "SELECT * FROM outbox_changeset ORDER BY position", arguments: [])
    }

    static func changeset(id: String, db: Database) throws -> OutboxChangeset? {
        try self.load(db: db, sql: "SELECT * FROM outbox_changeset WHERE id = ?", arguments: [id]).first
    }

    static func changesets(touching entityID: String, db: Database) throws -> [OutboxChangeset] {
        try self.load(
            db: db,
            sql: """
                SELECT * FROM outbox_changeset WHERE position IN (SELECT changeset_position FROM outbox_op WHERE entity_id = ?)
                ORDER BY position
                """,
            arguments: [entityID]
        )
    }

    /// The changesets `sql` selects, with their ops (two queries, however long the outbox).
    private static func load(db: Database, sql: String, arguments: StatementArguments) throws -> [OutboxChangeset] {
        var opsByPosition: [Int64: [OutboxOp]] = [:]
        let opRows = try Row.fetchAll(
            db,
            sql: "SELECT * FROM outbox_op WHERE changeset_position IN (SELECT position FROM (\(sql))) ORDER BY changeset_position, op_index",
            arguments: arguments
        )
        for row in opRows {
            let op = OutboxOp(
                index: row["op_index"],
                entityID: row["entity_id"],
                type: EntityType(rawValue: row["type"]) ?? .article,
                op: try ReplicaTables.document(row["op"]),
                baseVersion: row["base_version"]
            )
            opsByPosition[row["changeset_position"], default: []].append(op)
        }
        return try Row.fetchAll(db, sql: sql, arguments: arguments).map { row in
            let position: Int64 = row["position"]
            return OutboxChangeset(
                position: position,
                id: row["id"],
                message: row["message"],
                createdAt: row["created_at"],
                status: OutboxChangeset.Status(rawValue: row["status"]) ?? .pending,
                error: try (row["error"] as String?).map { try JSONParser.parse($0) },
                sent: row["sent"],
                ops: opsByPosition[position] ?? []
            )
        }
    }

    /// The entity ids of an outbox changeset's ops in op order; nil when no such changeset is queued.
    static func entityIDs(ofChangeset id: String, db: Database) throws -> [String]? {
        guard let position = try Int64.fetchOne(db, sql: "SELECT position FROM outbox_changeset WHERE id = ?", arguments: [id]) else { return nil }
        return try String.fetchAll(db, sql: "SELECT entity_id FROM outbox_op WHERE changeset_position = ? ORDER BY op_index", arguments: [position])
    }

    static func insert(id: String, message: String, ops: [OutboxOp], db: Database) throws {
        try db.execute(
            sql: "INSERT INTO outbox_changeset (id, message, created_at) VALUES (?, ?, ?)",
            arguments: [id, message, Timestamp.now()]
        )
        let position = db.lastInsertedRowID
        for op in ops {
            try db.execute(
                sql: "INSERT INTO outbox_op (changeset_position, op_index, entity_id, type, op, base_version) VALUES (?, ?, ?, ?, ?, ?)",
                arguments: [position, op.index, op.entityID, op.type.rawValue, JSONWriter.string(.object(op.op)), op.baseVersion]
            )
        }
    }

    /// Replaces one op (nil deletes it); a changeset left without ops leaves the outbox.
    static func replace(_ op: OutboxOp, in changeset: OutboxChangeset, with replacement: OutboxOp?, db: Database) throws {
        if let replacement {
            try db.execute(
                sql: "UPDATE outbox_op SET op = ?, base_version = ? WHERE changeset_position = ? AND op_index = ?",
                arguments: [JSONWriter.string(.object(replacement.op)), replacement.baseVersion, changeset.position, op.index]
            )
            return
        }
        try db.execute(sql: "DELETE FROM outbox_op WHERE changeset_position = ? AND op_index = ?", arguments: [changeset.position, op.index])
        let left = try Int.fetchOne(db, sql: "SELECT count(*) FROM outbox_op WHERE changeset_position = ?", arguments: [changeset.position]) ?? 0
        if left == 0 { try self.remove(changeset.id, db: db) }
    }

    static func remove(_ id: String, db: Database) throws {
        try db.execute(sql: "DELETE FROM outbox_changeset WHERE id = ?", arguments: [id])
        try db.execute(
            sql: "UPDATE conflict SET resolved_at = ?, resolution = 'obsolete' WHERE changeset_id = ? AND resolved_at IS NULL",
            arguments: [Timestamp.now(), id]
        )
    }

    /// Moves the unsent ops on `entityID` onto server version `version`. Ops touching a field in
    /// `except` keep their base (they wait on a conflict).
    static func rebase(_ entityID: String, onto version: Int, except: Set<String> = [], db: Database) throws {
        let changesets = try self.changesets(touching: entityID, db: db)
        // Ops on an entity whose create has not reached the server yet have nothing to rebase on.
        if changesets.contains(where: { $0.ops.contains { $0.entityID == entityID && $0.name == "create" } }) { return }
        for changeset in changesets where !changeset.sent {
            for op in changeset.ops where op.entityID == entityID {
                if !op.touchedFields.isDisjoint(with: except) { continue }
                if op.name == "delete" && except.contains("deleted") { continue }
                try db.execute(
                    sql: "UPDATE outbox_op SET base_version = ? WHERE changeset_position = ? AND op_index = ?",
                    arguments: [version, changeset.position, op.index]
                )
            }
        }
    }

    /// Takes `field` out of every unsent op on `entityID` (nil: removes those ops entirely).
    static func strip(_ entityID: String, field: String?, onlyDeletes: Bool = false, db: Database) throws {
        for changeset in try self.changesets(touching: entityID, db: db) where !changeset.sent {
            for op in changeset.ops where op.entityID == entityID {
                if onlyDeletes && op.name != "delete" { continue }
                guard let field else {
                    try self.replace(op, in: changeset, with: nil, db: db)
                    continue
                }
                guard op.name == "update", op.touchedFields.contains(field) || (field == "credit" && op.touchedFields.contains { $0.hasPrefix("credit.") }) else { continue }
                try self.replace(op, in: changeset, with: op.removing(field), db: db)
            }
        }
    }
}
