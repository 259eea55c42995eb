import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `sync.unsubscribe`: stops `sync.changed` notifications on this connection.
struct SyncUnsubscribeMethod: GalleyMethod {
    static let name = "sync.unsubscribe"
    static let access = MethodAccess.role(.reader)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        context.session.unsubscribe()
        return .object([:])
    }
}
