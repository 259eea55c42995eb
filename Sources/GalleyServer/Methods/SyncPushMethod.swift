import Prometheus
import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `sync.push`: a replica's outbox, in order. Each changeset is atomic on its own and follows the
/// `changeset.commit` rules, so a retry after a lost connection is always safe.
struct SyncPushMethod: GalleyMethod {
    static let name = "sync.push"
    static let access = MethodAccess.role(.editor)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        var results: [JSONValue] = []
        for changeset in params["changesets"]?.arrayValue ?? [] {
            let id = changeset["id"]?.stringValue ?? ""
            let message = changeset["message"]?.stringValue ?? ""
            let ops = changeset["ops"]?.arrayValue ?? []
            do {
                let record = try await ContentWrites.commit(
                    id: id,
                    message: message,
                    opValues: ops,
                    submitted: ["message": .string(message), "ops": .array(ops)],
                    dryRun: false,
                    context: context
                )
                context.server.metrics.recordPush(status: record.replayed ? "replayed" : "applied")
                results.append([
                    "id": .string(id),
                    "status": record.replayed ? "replayed" : "applied",
                    "seq": record.seq.map { .number(JSONNumber(Int($0))) } ?? .null,
                    "results": .array(record.results),
                ])
            } catch let error as ChangesetError {
                if case .storage = error { throw error }
                let status = if case .conflict = error { "conflict" } else { "rejected" }
                context.server.metrics.recordPush(status: status)
                results.append(["id": .string(id), "status": .string(status), "error": error.rpcError.json])
            }
        }
        return ["results": .array(results)]
    }
}
