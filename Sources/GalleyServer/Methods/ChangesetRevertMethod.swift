import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `changeset.revert`: a new changeset returning everything an earlier one touched to its state
/// before it. Later changes to the same fields make it a version conflict unless `force`.
struct ChangesetRevertMethod: GalleyMethod {
    static let name = "changeset.revert"
    static let access = MethodAccess.role(.editor)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        let seq = Int64(ContentWrites.int(params, "seq") ?? 0)
        let force = ContentWrites.bool(params, "force")
        guard try await context.store.changeset(seq: seq, id: nil) != nil else {
            throw GalleyError(.notFound, kind: "not_found", "No changeset \(seq)", details: ["entity": "changeset", "seq": .number(JSONNumber(Int(seq)))])
        }
        let message = ContentWrites.string(params, "message") ?? "Revert changeset \(seq)"
        let id = ContentWrites.string(params, "id") ?? ""
        let submitted: JSONValue = ["revert": .number(JSONNumber(Int(seq))), "message": .string(message), "force": .bool(force)]
        // A retry of a revert that already happened is a replay (or changeset_id_reused), never a
        // second revert: the committer answers it from the changeset row before looking at ops.
        if try await context.store.changeset(seq: nil, id: id) != nil {
            let record = try await ContentWrites.commit(id: id, message: message, ops: [], submitted: submitted, dryRun: ContentWrites.bool(params, "dryRun"), context: context)
            return record.json
        }
        let ops = try await context.store.revertOps(seq: seq, force: force)
        guard !ops.isEmpty else {
            throw GalleyError(
                .integrity,
                kind: "nothing_to_revert",
                "Changeset \(seq) has no effect left to revert",
                details: ["seq": .number(JSONNumber(Int(seq)))]
            )
        }
        let record = try await ContentWrites.commit(
            id: id,
            message: message,
            ops: ops,
            submitted: submitted,
            dryRun: ContentWrites.bool(params, "dryRun"),
            context: context
        )
        return record.json
    }
}
