import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `server.info`: what is running and how far its history goes.
struct ServerInfoMethod: TypedGalleyMethod {
    static let name = "server.info"
    static let access = MethodAccess.anonymous

    struct Result: Encodable, Sendable {
        var name: String
        var version: String
        var protocolVersion: Int
        var head: Int64
        var storage: String
        var uptimeSeconds: Double
    }

    func call(_ params: NoParams, context: MethodContext) async throws -> Result {
        Result(
            name: ServerIdentity.name,
            version: ServerIdentity.version,
            protocolVersion: ServerIdentity.protocolVersion,
            head: try await context.store.head(),
            storage: context.store.engineName,
            uptimeSeconds: (context.server.uptimeSeconds * 1000).rounded() / 1000
        )
    }
}
