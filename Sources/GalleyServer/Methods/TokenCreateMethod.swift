import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `token.create`: a new token, shown once in the reply and stored only as its hash.
struct TokenCreateMethod: TypedGalleyMethod {
    static let name = "token.create"
    static let access = MethodAccess.role(.admin)

    struct Params: Decodable, Sendable {
        var name: String
        var role: Role
    }

    struct Result: Encodable, Sendable {
        var token: String
        var name: String
        var role: Role
    }

    func call(_ params: Params, context: MethodContext) async throws -> Result {
        let principal = try context.principal
        let token = TokenMinter.newToken()
        try await context.store.createToken(
            name: params.name,
            role: params.role,
            hash: TokenMinter.hash(token),
            createdBy: principal.name
        )
        context.logger.notice(
            "audit: token created",
            metadata: ["by": "\(principal.name)", "name": "\(params.name)", "role": "\(params.role.rawValue)"]
        )
        return Result(token: token, name: params.name, role: params.role)
    }
}
