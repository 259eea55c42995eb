import GRDB
import GalleyModel
import JSONRPC

/// What one pushed changeset came to.
public enum PushOutcome: String, Sendable, Hashable {
    case applied, replayed, conflict, rejected
}

extension Replica {
    /// Every changeset in the outbox, in push order.
    public func outbox() throws -> [OutboxChangeset] {
        try self.pool.read { db in try OutboxTable.all(db: db) }
    }

    /// The ids of outbox changesets that cannot be pushed now: refused ones, ones editing an
    /// entity with an open conflict, and later ones editing an entity such a changeset edits.
    public func waitingChangesetIDs() throws -> Set<String> {
        try self.pool.read { db in
            let plan = try Self.pushPlan(db: db, limit: .max)
            return plan.waiting
        }
    }

    /// True when a push would send something.
    public func hasPushableWork() throws -> Bool {
        try self.pool.read { db in !(try Self.pushPlan(db: db, limit: 1).batch.isEmpty) }
    }

    /// The next changesets to push, in order: at most `limit`, skipping waiting ones, and at most
    /// one per entity (a changeset after another on the same entity goes in the next push, so a
    /// conflict of the first always holds the second back).
    func nextPushBatch(limit: Int) throws -> [OutboxChangeset] {
        try self.pool.read { db in try Self.pushPlan(db: db, limit: limit).batch }
    }

    private static func pushPlan(db: Database, limit: Int) throws -> (batch: [OutboxChangeset], waiting: Set<String>) {
        var held = try ConflictTable.openEntityIDs(db: db)
        var inBatch = Set<String>()
        var batch: [OutboxChangeset] = []
        var waiting = Set<String>()
        for changeset in try OutboxTable.all(db: db) {
            let entities = changeset.entityIDs
            if changeset.status == .rejected || !entities.isDisjoint(with: held) {
                waiting.insert(changeset.id)
                held.formUnion(entities)
                continue
            }
            if !entities.isDisjoint(with: inBatch) || batch.count >= limit {
                // Not now, but not waiting either: later ones on these entities keep the order.
                inBatch.formUnion(entities)
                held.formUnion(entities)
                continue
            }
            batch.append(changeset)
            inBatch.formUnion(entities)
        }
        return (batch, waiting)
    }

    /// Marks changesets as possibly delivered (before sending them): until the server's answer is
    /// recorded, their content is frozen.
    func markSent(_ ids: [String]) throws {
        try self.pool.write { db in
            for id in ids { try db.execute(sql: "UPDATE outbox_changeset SET sent = 1 WHERE id = ?", arguments: [id]) }
        }
    }

    /// Changesets a push may have delivered without an answer.
    func inDoubt() throws -> [OutboxChangeset] {
        try self.pool.read { db in try OutboxTable.all(db: db).filter(\.sent) }
    }

    /// An in-doubt changeset the server never committed: unfrozen, it will be sent again.
    func unfreeze(_ id: String) throws {
        try self.pool.write { db in
            try db.execute(sql: "UPDATE outbox_changeset SET sent = 0 WHERE id = ?", arguments: [id])
        }
    }

    /// Records a `sync.push` reply for `batch` in one transaction.
    func record(pushResults results: [JSONValue], for batch: [OutboxChangeset]) throws -> [PushOutcome] {
        try self.pool.write { db in
            var outcomes: [PushOutcome] = []
            for (changeset, result) in zip(batch, results) {
                let status = PushOutcome(rawValue: result["status"]?.stringValue ?? "") ?? .rejected
                outcomes.append(status)
                switch status {
                case .applied, .replayed:
                    try self.recordApplied(changeset, results: result["results"]?.arrayValue ?? [], db: db)
                case .conflict:
                    try self.recordConflicts(changeset, error: result["error"] ?? .null, db: db)
                    try db.execute(sql: "UPDATE outbox_changeset SET sent = 0 WHERE position = ?", arguments: [changeset.position])
                case .rejected:
                    try db.execute(
                        sql: "UPDATE outbox_changeset SET sent = 0, status = 'rejected', error = ? WHERE position = ?",
                        arguments: [JSONWriter.string(result["error"] ?? .null), changeset.position]
                    )
                }
            }
            try db.execute(sql: "UPDATE sync_state SET last_push_at = ?, last_contact_at = ? WHERE id = 1", arguments: [Timestamp.now(), Timestamp.now()])
            return outcomes
        }
    }

    /// An accepted changeset leaves the outbox. When it produced the versions right after the
    /// ones its ops were based on (nobody else wrote in between), the local view and the later ops
    /// on those entities move onto the new versions, so the next edit is not taken for a
    /// conflict with itself.
    private func recordApplied(_ changeset: OutboxChangeset, results: [JSONValue], db: Database) throws {
        try OutboxTable.remove(changeset.id, db: db)
        var produced: [String: (first: Int, last: Int)] = [:]
        for result in results {
            guard let id = result["id"]?.stringValue, let version = result["version"]?.intValue else { continue }
            let previous = produced[id]
            produced[id] = (min(previous?.first ?? version, version), max(previous?.last ?? version, version))
        }
        for op in changeset.ops {
            guard let versions = produced[op.entityID], versions.first == (op.baseVersion ?? 0) + 1 else { continue }
            guard var local = try ReplicaTables.fetch(op.entityID, from: .local, db: db), local.version == (op.baseVersion ?? 0) else { continue }
            local.version = versions.last
            try ReplicaTables.write(local, to: .local, db: db)
            if op.name == "create", try ReplicaTables.fetch(op.entityID, from: .server, db: db) == nil,
                !(try OutboxTable.changesets(touching: op.entityID, db: db)).isEmpty
            {
                // Later edits of the new entity wait in the outbox, so the local view is not the
                // server's state: keep what the server created as the merge base, or a pull before
                // the next push would take the local edits for the base and drop them as superseded.
                var created = local
                created.data = op.op["data"]?.objectValue ?? [:]
                created.version = versions.first
                try ReplicaTables.write(created, to: .server, db: db)
            }
            for later in try OutboxTable.changesets(touching: op.entityID, db: db) where !later.sent {
                for laterOp in later.ops where laterOp.entityID == op.entityID && laterOp.name != "create" && laterOp.baseVersion == op.baseVersion {
                    try db.execute(
                        sql: "UPDATE outbox_op SET base_version = ? WHERE changeset_position = ? AND op_index = ?",
                        arguments: [versions.last, later.position, laterOp.index]
                    )
                }
            }
        }
    }

    /// A `-32009` reply becomes conflict records (the pull that follows refreshes them with the
    /// server's whole state). A conflict that names nothing this replica can resolve (an unknown
    /// version) leaves the changeset refused instead, so it is not sent again and again.
    private func recordConflicts(_ changeset: OutboxChangeset, error: JSONValue, db: Database) throws {
        var recorded = 0
        for conflict in error["data"]?["conflicts"]?.arrayValue ?? [] {
            guard let id = conflict["id"]?.stringValue, let entity = try ReplicaTables.fetch(id, from: .local, db: db) else { continue }
            let current = conflict["currentVersion"]?.intValue ?? entity.version
            let sides: [(field: String, base: JSONValue, theirs: JSONValue, mine: JSONValue)]
            switch conflict["reason"]?.stringValue {
            case "field_changed":
                sides = (conflict["fields"]?.arrayValue ?? []).map {
                    (field: $0["field"]?.stringValue ?? "", base: $0["base"] ?? .null, theirs: $0["theirs"] ?? .null, mine: $0["mine"] ?? .null)
                }
            case "deleted":
                sides = [(field: "deleted", base: false, theirs: true, mine: false)]
            case "stale_delete":
                sides = [(field: "deleted", base: false, theirs: false, mine: true)]
            default:
                sides = []
            }
            for side in sides {
                try ConflictTable.record(
                    entity: entity, field: side.field, base: side.base, theirs: side.theirs, mine: side.mine,
                    theirsVersion: current, changesetID: changeset.id, db: db
                )
                recorded += 1
            }
        }
        if recorded == 0 {
            try db.execute(
                sql: "UPDATE outbox_changeset SET status = 'rejected', error = ? WHERE position = ?",
                arguments: [JSONWriter.string(error), changeset.position]
            )
        }
    }
}
