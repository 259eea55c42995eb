import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `sync.subscribe`: from now on the connection receives `sync.changed {head}` after commits
/// (at most one per 50 ms, the newest head always delivered).
struct SyncSubscribeMethod: GalleyMethod {
    static let name = "sync.subscribe"
    static let access = MethodAccess.role(.reader)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        context.session.subscribe()
        return ["head": .number(JSONNumber(Int(try await context.store.head())))]
    }
}
