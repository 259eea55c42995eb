import GRDB
import GalleyModel
import JSONRPC

/// A field changed differently on the server and in this replica.
public struct ConflictRecord: Sendable, Hashable {
    public var id: Int64
    public var type: EntityType
    public var entityID: String
    /// A field path (`headline`, `credit.creator`), or `deleted` when one side deleted the entity.
    public var field: String
    /// The value both sides started from, the server's and this replica's (null: absent).
    public var base: JSONValue
    public var theirs: JSONValue
    public var mine: JSONValue
    /// The server version `theirs` comes from.
    public var theirsVersion: Int
    /// The outbox changeset that waits on it.
    public var changesetID: String?
    public var detectedAt: String
}

/// How to resolve a conflict.
public enum Resolution: Sendable, Hashable {
    /// Keep this replica's value (queued as a new changeset based on the server's version).
    case mine
    /// Take the server's value (nothing to push: the server has it).
    case theirs
    /// Neither: this value (queued like `mine`).
    case set(JSONValue)
}

/// What resolving did.
public struct ResolvedConflict: Sendable, Hashable {
    public var conflict: ConflictRecord
    /// The changeset queued by `mine` or `set`; nil for `theirs`.
    public var queued: LocalEdit?
}

enum ConflictTable {
    static func record(
        entity: EntityState, field: String, base: JSONValue, theirs: JSONValue, mine: JSONValue,
        theirsVersion: Int, changesetID: String?, db: Database
    ) throws {
        try db.execute(
            sql: """
                INSERT INTO conflict (entity_id, type, field, base, theirs, mine, theirs_version, changeset_id, detected_at)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (entity_id, field) WHERE resolved_at IS NULL DO UPDATE SET
                    theirs = excluded.theirs, mine = excluded.mine, theirs_version = excluded.theirs_version
                """,
            arguments: [
                entity.id, entity.type.rawValue, field, JSONWriter.string(base), JSONWriter.string(theirs), JSONWriter.string(mine),
                theirsVersion, changesetID, Timestamp.now(),
            ]
        )
    }

    static func open(db: Database, entityID: String? = nil) throws -> [ConflictRecord] {
        let filter = entityID == nil ? "" : "AND entity_id = ?"
        let arguments: StatementArguments = entityID.map { [$0] } ?? []
        return try Row.fetchAll(db, sql: "SELECT * FROM conflict WHERE resolved_at IS NULL \(filter) ORDER BY id", arguments: arguments).map { row in
            ConflictRecord(
                id: row["id"],
                type: EntityType(rawValue: row["type"]) ?? .article,
                entityID: row["entity_id"],
                field: row["field"],
                base: try JSONParser.parse(row["base"] as String),
                theirs: try JSONParser.parse(row["theirs"] as String),
                mine: try JSONParser.parse(row["mine"] as String),
                theirsVersion: row["theirs_version"],
                changesetID: row["changeset_id"],
                detectedAt: row["detected_at"]
            )
        }
    }

    static func openFields(on entityID: String, db: Database) throws -> Set<String> {
        Set(try String.fetchAll(db, sql: "SELECT field FROM conflict WHERE entity_id = ? AND resolved_at IS NULL", arguments: [entityID]))
    }

    static func openEntityIDs(db: Database) throws -> Set<String> {
        Set(try String.fetchAll(db, sql: "SELECT DISTINCT entity_id FROM conflict WHERE resolved_at IS NULL"))
    }

    static func close(_ id: Int64, as resolution: String, db: Database) throws {
        try db.execute(sql: "UPDATE conflict SET resolved_at = ?, resolution = ? WHERE id = ?", arguments: [Timestamp.now(), resolution, id])
    }

    static func closeAll(on entityID: String, as resolution: String, db: Database) throws {
        try db.execute(
            sql: "UPDATE conflict SET resolved_at = ?, resolution = ? WHERE entity_id = ? AND resolved_at IS NULL",
            arguments: [Timestamp.now(), resolution, entityID]
        )
    }
}

extension Replica {
    /// The open conflicts, oldest first, with both sides.
    public func conflicts() throws -> [ConflictRecord] {
        try self.pool.read { db in try ConflictTable.open(db: db) }
    }

    /// Resolves one conflict in one transaction: the conflicting part leaves the waiting
    /// changesets, and `mine` or `set` queue a new changeset that writes the chosen value based
    /// on the server's current version (`theirs` takes the server's value locally and queues
    /// nothing). When the entity has no open conflicts left, its waiting ops are rebased onto the
    /// server's version and flow again. A deleted-on-one-side conflict is resolved by accepting the
    /// delete (`theirs` when the server deleted it, `mine` when this replica did) or by keeping the
    /// entity (when the server deleted it, `mine` queues it again as a new entity with a new id).
    @discardableResult
    public func resolve(_ conflictID: Int64, _ resolution: Resolution, message: String? = nil) throws -> ResolvedConflict {
        try self.pool.write { db in
            guard let conflict = try ConflictTable.open(db: db).first(where: { $0.id == conflictID }) else {
                throw ReplicaError.noSuchConflict(conflictID)
            }
            let queued: LocalEdit?
            if conflict.field == "deleted" {
                queued = try self.resolveDeletion(conflict, resolution, message: message, db: db)
            } else {
                queued = try self.resolveField(conflict, resolution, message: message, db: db)
            }
            return ResolvedConflict(conflict: conflict, queued: queued)
        }
    }

    private func resolutionName(_ resolution: Resolution) -> String {
        switch resolution {
        case .mine: "mine"
        case .theirs: "theirs"
        case .set: "set"
        }
    }

    private func resolveField(_ conflict: ConflictRecord, _ resolution: Resolution, message: String?, db: Database) throws -> LocalEdit? {
        let id = conflict.entityID
        guard let local = try ReplicaTables.fetch(id, from: .local, db: db) else { throw ReplicaError.noSuchConflict(conflict.id) }
        let server = try ReplicaTables.fetch(id, from: .server, db: db) ?? local
        let value: JSONValue?
        switch resolution {
        case .mine: value = ContentRules.value(at: conflict.field, in: local.data)
        case .theirs: value = ContentRules.value(at: conflict.field, in: server.data)
        case .set(let given): value = given
        }
        try ConflictTable.close(conflict.id, as: self.resolutionName(resolution), db: db)
        try OutboxTable.strip(id, field: conflict.field, db: db)
        let serverVersion = max(server.version, conflict.theirsVersion)
        if try ConflictTable.openFields(on: id, db: db).isEmpty {
            try OutboxTable.rebase(id, onto: serverVersion, db: db)
        }
        var op: JSONObject = ["op": "update", "type": .string(conflict.type.rawValue), "id": .string(id)]
        if let value, !value.isNull {
            op["set"] = [conflict.field: value]
        } else {
            op["unset"] = [.string(conflict.field)]
        }
        let record = resolution != .theirs
        let text = message ?? "Resolve conflict on \(conflict.field) of \(conflict.type.rawValue) \(id) (\(self.resolutionName(resolution)))"
        let edit = try self.commit(message: text, ops: [.object(op)], record: record, baseVersions: [id: serverVersion], db: db)
        return record ? edit : nil
    }

    private func resolveDeletion(_ conflict: ConflictRecord, _ resolution: Resolution, message: String?, db: Database) throws -> LocalEdit? {
        let id = conflict.entityID
        guard let local = try ReplicaTables.fetch(id, from: .local, db: db), let server = try ReplicaTables.fetch(id, from: .server, db: db) else {
            throw ReplicaError.noSuchConflict(conflict.id)
        }
        if case .set = resolution {
            throw ReplicaError.invalidResolution("conflict \(conflict.id) is about a deleted \(conflict.type.rawValue): resolve it with --mine or --theirs")
        }
        try ConflictTable.closeAll(on: id, as: self.resolutionName(resolution), db: db)
        let serverDeleted = server.deleted
        switch (serverDeleted, resolution) {
        case (true, .theirs), (false, .theirs):
            // Take the server's side: its delete, or its live entity (undoing the local delete and
            // its cascade).
            try OutboxTable.strip(id, field: nil, onlyDeletes: !serverDeleted, db: db)
            try self.revertToServer(id, db: db)
            if !serverDeleted {
                let links = try String.fetchAll(
                    db,
                    sql: """
                        SELECT id FROM server_entity WHERE type = 'link' AND deleted = 0
                        AND (json_extract(data, '$.fromId') = ? OR json_extract(data, '$.toId') = ?)
                        """,
                    arguments: [id, id]
                )
                for link in links { try self.revertToServer(link, db: db) }
            }
            return nil
        case (true, _):
            // Keep the local entity: the server's id is gone, so it comes back as a new one.
            try OutboxTable.strip(id, field: nil, db: db)
            var data = JSONObject()
            for field in ContentRules.writableFields(conflict.type) {
                if let value = local.data[field], !value.isNull { data[field] = value }
            }
            try ReplicaTables.write(server, to: .local, db: db)
            try ReplicaTables.deleteServerCopy(id, db: db)
            let op: JSONValue = ["op": "create", "type": .string(conflict.type.rawValue), "data": .object(data)]
            let text = message ?? "Keep \(conflict.type.rawValue) \(id), deleted on the server, as a new \(conflict.type.rawValue)"
            return try self.commit(message: text, ops: [op], db: db)
        case (false, _):
            // Keep the local delete, based on the server's current version.
            try OutboxTable.strip(id, field: nil, onlyDeletes: true, db: db)
            let edit = LocalEdit(changesetID: UUIDv7.make(), entityIDs: [id])
            let op = OutboxOp(index: 0, entityID: id, type: conflict.type, op: ["op": "delete", "type": .string(conflict.type.rawValue), "id": .string(id)], baseVersion: max(server.version, conflict.theirsVersion))
            try OutboxTable.insert(id: edit.changesetID, message: message ?? "Delete \(conflict.type.rawValue) \(id) (conflict resolved: mine)", ops: [op], db: db)
            return edit
        }
    }

    /// Puts the server's state back into the local view when no local edit needs the entity.
    private func revertToServer(_ id: String, db: Database) throws {
        guard try OutboxTable.changesets(touching: id, db: db).isEmpty, let server = try ReplicaTables.fetch(id, from: .server, db: db) else { return }
        try ReplicaTables.write(server, to: .local, db: db)
        try ReplicaTables.deleteServerCopy(id, db: db)
    }
}
