import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `rpc.discover`: the OpenRPC document describing every method, as served by this build.
struct RPCDiscoverMethod: GalleyMethod {
    static let name = "rpc.discover"
    static let access = MethodAccess.anonymous

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        context.server.document.raw
    }
}
