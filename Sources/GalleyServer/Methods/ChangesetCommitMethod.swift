import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `changeset.commit`: the one way content changes. Atomic, idempotent on `id`, field-level
/// optimistic concurrency, integrity checked on the state after the whole changeset.
struct ChangesetCommitMethod: GalleyMethod {
    static let name = "changeset.commit"
    static let access = MethodAccess.role(.editor)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        let ops = params["ops"]?.arrayValue ?? []
        let message = ContentWrites.string(params, "message") ?? ""
        let record = try await ContentWrites.commit(
            id: ContentWrites.string(params, "id") ?? "",
            message: message,
            opValues: ops,
            submitted: ["message": .string(message), "ops": .array(ops)],
            dryRun: ContentWrites.bool(params, "dryRun"),
            context: context
        )
        return record.json
    }
}
