import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `server.ping`: the cheapest authenticated round trip, the transport baseline in benchmarks.
struct ServerPingMethod: GalleyMethod {
    static let name = "server.ping"
    static let access = MethodAccess.role(.reader)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        .object([:])
    }
}
