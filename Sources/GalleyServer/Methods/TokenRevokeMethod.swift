import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `token.revoke`: the named token stops working for new authentications.
struct TokenRevokeMethod: TypedGalleyMethod {
    static let name = "token.revoke"
    static let access = MethodAccess.role(.admin)

    struct Params: Decodable, Sendable {
        var name: String
    }

    struct Result: Encodable, Sendable {
        var name: String
        var revoked: Bool
    }

    func call(_ params: Params, context: MethodContext) async throws -> Result {
        let principal = try context.principal
        guard try await context.store.revokeToken(name: params.name) else {
            throw GalleyError.notFound("token", params.name)
        }
        let closed = context.server.sessions.closeAll(authenticatedAs: params.name)
        context.logger.notice(
            "audit: token revoked",
            metadata: ["by": "\(principal.name)", "name": "\(params.name)", "connectionsClosed": "\(closed)"]
        )
        return Result(name: params.name, revoked: true)
    }
}
