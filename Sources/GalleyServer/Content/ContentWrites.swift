import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// What every write method shares: turning ops sent by a client into a submission, committing it,
/// and shaping what comes back.
enum ContentWrites {
    /// Parses the ops (naming every bad field at once) and commits them as one changeset.
    static func commit(
        id: String,
        message: String,
        opValues: [JSONValue],
        submitted: JSONValue,
        dryRun: Bool,
        context: MethodContext
    ) async throws -> CommitRecord {
        var ops: [ChangesetOp] = []
        var problems: [FieldError] = []
        for (index, value) in opValues.enumerated() {
            switch ChangesetOp.parse(value, index: index) {
            case .success(let op): ops.append(op)
            case .failure(let errors): problems += errors.errors
            }
        }
        if !problems.isEmpty { throw ChangesetError.validation(problems) }
        return try await self.commit(id: id, message: message, ops: ops, submitted: submitted, dryRun: dryRun, context: context)
    }

    /// Commits ops the server built itself (revert).
    static func commit(
        id: String,
        message: String,
        ops: [ChangesetOp],
        submitted: JSONValue,
        dryRun: Bool,
        context: MethodContext
    ) async throws -> CommitRecord {
        let principal = try context.principal
        let submission = ChangesetSubmission(
            id: id.lowercased(),
            message: message,
            ops: ops,
            submitted: submitted,
            author: principal.name,
            dryRun: dryRun
        )
        let record = try await context.store.commit(submission)
        if let seq = record.seq, !record.replayed, !record.dryRun {
            context.server.broadcaster.publish(head: seq)
        }
        return record
    }

    /// An entity as clients read it; an article carries its lead media's current state.
    static func entityJSON(_ state: EntityState, context: MethodContext) async throws -> JSONObject {
        var leadMedia: EntityState?
        if state.type == .article, let leadID = state.data["leadMediaId"]?.stringValue {
            leadMedia = try await context.store.entity(leadID.lowercased(), version: nil)
        }
        return EntityReplies.json(state, leadMedia: leadMedia)
    }

    /// Reads a param that the schema already checked.
    static func string(_ params: JSONValue, _ key: String) -> String? { params[key]?.stringValue }
    static func int(_ params: JSONValue, _ key: String) -> Int? { params[key]?.intValue }
    static func bool(_ params: JSONValue, _ key: String) -> Bool { params[key]?.boolValue ?? false }
}

/// Opaque list cursors: the (seq, id) of the last item returned.
enum ListCursor {
    static func encode(seq: Int64, id: String) -> String { "\(seq).\(id)" }

    static func decode(_ text: String?) throws -> (seq: Int64, id: String)? {
        guard let text else { return nil }
        let parts = text.split(separator: ".", maxSplits: 1)
        guard parts.count == 2, let seq = Int64(parts[0]), ContentRules.isUUID(String(parts[1])) else {
            throw JSONRPCError.invalidParams([(path: "cursor", message: "is not a cursor this server issued")])
        }
        return (seq, String(parts[1]))
    }
}
