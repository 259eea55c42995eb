import Foundation
import GRDB
import GalleyModel
import JSONRPC

/// A local edit as recorded in the outbox.
public struct LocalEdit: Sendable, Hashable {
    /// The changeset's id (its idempotency key on push).
    public var changesetID: String
    /// The id of each op's entity, in op order (filled in for creates that named none).
    public var entityIDs: [String]
    /// What each op did locally, in the shape `changeset.commit` answers (`{op, type, id, version}`;
    /// versions are the server versions the local states are based on, 0 for local creates).
    public var results: [JSONValue] = []
    /// The changeset with this id was already in the outbox: nothing was applied again.
    public var replayed = false
    /// Checked only (`dryRun`): nothing was written.
    public var dryRun = false
}

extension Replica {
    /// The longest changeset message the server takes.
    static let maximumMessageLength = 2000

    /// Applies a changeset of ops (the `changeset.commit` op forms) to the local view and records
    /// it in the outbox, in one transaction. The ops are checked by the server's own rules
    /// (``ChangesetOp/parse(_:index:)``, ``ContentRules``, ``ChangesetApplier`` over the local
    /// view), so an edit the server would refuse is refused here with the same error
    /// (``ReplicaError/refused(_:)``) and nothing is written. Creates without an id get a new
    /// UUIDv7. Each op records, as its `baseVersion`, the server version its entity had.
    ///
    /// `changesetID` is the idempotency key, as on the server: a changeset whose id is already in the
    /// outbox is not applied twice (the answer says `replayed`). With `dryRun` the changeset is
    /// checked and applied inside a savepoint that is rolled back: the answer says what it would do.
    @discardableResult
    public func commit(message: String, ops: [JSONValue], changesetID: String? = nil, dryRun: Bool = false) throws -> LocalEdit {
        try self.pool.write { db in
            if let changesetID, let existing = try OutboxTable.entityIDs(ofChangeset: changesetID.lowercased(), db: db) {
                return LocalEdit(changesetID: changesetID.lowercased(), entityIDs: existing, replayed: true)
            }
            guard dryRun else { return try self.commit(message: message, ops: ops, changesetID: changesetID, db: db) }
            var edit: LocalEdit?
            try db.inSavepoint {
                edit = try self.commit(message: message, ops: ops, changesetID: changesetID, db: db)
                return .rollback
            }
            edit?.dryRun = true
            return edit!
        }
    }

    /// Creates an article from `data` (`headline` at least); returns its id.
    @discardableResult
    public func createArticle(_ data: JSONObject, id: String? = nil, message: String) throws -> String {
        try self.create(.article, data, id: id, message: message)
    }

    /// Creates a media item from `data` (`uri` at least); returns its id.
    @discardableResult
    public func createMedia(_ data: JSONObject, id: String? = nil, message: String) throws -> String {
        try self.create(.media, data, id: id, message: message)
    }

    /// Creates a related-story link from one article to another; returns its id.
    @discardableResult
    public func createLink(from fromID: String, to toID: String, _ data: JSONObject = [:], id: String? = nil, message: String) throws -> String {
        var document = data
        document["fromId"] = .string(fromID)
        document["toId"] = .string(toID)
        return try self.create(.link, document, id: id, message: message)
    }

    /// Sets and unsets fields of an entity (`credit.creator` paths for media credits).
    @discardableResult
    public func update(_ type: EntityType, _ id: String, set: JSONObject = [:], unset: [String] = [], message: String) throws -> LocalEdit {
        var op: JSONObject = ["op": "update", "type": .string(type.rawValue), "id": .string(id)]
        if !set.isEmpty { op["set"] = .object(set) }
        if !unset.isEmpty { op["unset"] = .array(unset.map { .string($0) }) }
        return try self.commit(message: message, ops: [.object(op)])
    }

    /// Deletes an entity (an article's links go with it, as on the server).
    @discardableResult
    public func delete(_ type: EntityType, _ id: String, message: String) throws -> LocalEdit {
        try self.commit(message: message, ops: [["op": "delete", "type": .string(type.rawValue), "id": .string(id)]])
    }

    private func create(_ type: EntityType, _ data: JSONObject, id: String?, message: String) throws -> String {
        let entityID = id ?? UUIDv7.make()
        let op: JSONValue = ["op": "create", "type": .string(type.rawValue), "id": .string(entityID), "data": .object(data)]
        return try self.commit(message: message, ops: [op]).entityIDs[0]
    }

    // MARK: - Inside a transaction

    /// Parses and checks `ops`, applies them to the local view and, when `record`, queues them.
    /// `baseVersions` overrides the base version of an entity's ops (conflict resolutions).
    @discardableResult
    func commit(
        message: String,
        ops opValues: [JSONValue],
        changesetID: String? = nil,
        record: Bool = true,
        baseVersions: [String: Int] = [:],
        db: Database
    ) throws -> LocalEdit {
        if record { try Self.checkEnvelope(message: message, count: opValues.count) }
        var parsed: [ChangesetOp] = []
        var outboxOps: [OutboxOp] = []
        var problems: [FieldError] = []
        for (index, value) in opValues.enumerated() {
            switch ChangesetOp.parse(value, index: index) {
            case .failure(let errors):
                problems += errors.errors
            case .success(let op):
                let (local, outbox) = try self.prepare(op, value: value, index: index, baseVersions: baseVersions, db: db)
                parsed.append(local)
                outboxOps.append(outbox)
            }
        }
        if !problems.isEmpty { throw ReplicaError.refused(ChangesetError.validation(problems).rpcError) }
        let now = Timestamp.now()
        let outcome: ChangesetOutcome
        do {
            outcome = try ChangesetApplier.apply(parsed, reader: LocalContentReader(db: db), seq: 0, author: "local", committedAt: now)
        } catch {
            throw ReplicaError.refused(error.rpcError)
        }
        for state in outcome.finalStates {
            try self.writeLocalEdit(state, db: db)
        }
        let id = changesetID?.lowercased() ?? UUID().uuidString.lowercased()
        if record { try OutboxTable.insert(id: id, message: message, ops: outboxOps, db: db) }
        return LocalEdit(changesetID: id, entityIDs: outboxOps.map(\.entityID), results: outcome.results.map(\.json))
    }

    /// The op the applier runs (no base version: the local view is current by definition) and the
    /// op the outbox keeps (id filled in, based on the entity's server version).
    private func prepare(_ op: ChangesetOp, value: JSONValue, index: Int, baseVersions: [String: Int], db: Database) throws -> (ChangesetOp, OutboxOp) {
        var object = value.objectValue ?? [:]
        object["baseVersion"] = nil
        let local: ChangesetOp
        let id: String
        switch op {
        case .create(let type, let given, let data):
            id = given ?? UUIDv7.make()
            local = .create(type: type, id: id, data: data)
        case .update(let type, let given, _, let set, let unset):
            id = given
            local = .update(type: type, id: given, baseVersion: nil, set: set, unset: unset)
        case .delete(let type, let given, _, let cascade):
            id = given
            local = .delete(type: type, id: given, baseVersion: nil, cascade: cascade)
        case .restore(let type, let given, _, let data):
            id = given
            local = .restore(type: type, id: given, baseVersion: nil, data: data)
        }
        object["id"] = .string(id)
        var base: Int? = nil
        if op.name != "create" {
            let version = try Int.fetchOne(db, sql: "SELECT version FROM entity WHERE id = ?", arguments: [id]) ?? 0
            base = baseVersions[id] ?? (version > 0 ? version : nil)
        }
        return (local, OutboxOp(index: index, entityID: id, type: op.type, op: object, baseVersion: base))
    }

    /// Writes an edited state into the local view, first keeping the server state it came from
    /// (the merge base) when this is the entity's first local change. The local row keeps the
    /// server version and seq it is based on.
    func writeLocalEdit(_ edited: EntityState, db: Database) throws {
        let previous = try ReplicaTables.fetch(edited.id, from: .local, db: db)
        if let previous, previous.version > 0,
            try ReplicaTables.fetch(edited.id, from: .server, db: db) == nil
        {
            try ReplicaTables.write(previous, to: .server, db: db)
        }
        var state = edited
        state.version = previous?.version ?? 0
        state.seq = previous?.seq ?? 0
        if let previous, !previous.createdAt.isEmpty {
            state.createdAt = previous.createdAt
            state.createdBy = previous.createdBy
        }
        try ReplicaTables.write(state, to: .local, db: db)
    }

    /// The envelope checks the API schema makes before any op is read (-32602).
    private static func checkEnvelope(message: String, count: Int) throws {
        var problems: [(path: String, message: String)] = []
        if message.isEmpty {
            problems.append((path: "message", message: "must be at least 1 character"))
        } else if message.count > Self.maximumMessageLength {
            problems.append((path: "message", message: "must be at most \(Self.maximumMessageLength) characters"))
        }
        if count == 0 { problems.append((path: "ops", message: "must have at least 1 item")) }
        if count > 10_000 { problems.append((path: "ops", message: "must have at most 10000 items")) }
        guard !problems.isEmpty else { return }
        throw ReplicaError.refused(JSONRPCError.invalidParams(problems))
    }
}
