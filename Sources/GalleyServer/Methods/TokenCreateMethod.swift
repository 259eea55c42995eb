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
        var expires: String?
    }

    struct Result: Encodable, Sendable {
        var token: String
        var name: String
        var role: Role
        var expiresAt: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.token, forKey: .token)
            try container.encode(self.name, forKey: .name)
            try container.encode(self.role, forKey: .role)
            try container.encode(self.expiresAt, forKey: .expiresAt)
        }

        enum CodingKeys: String, CodingKey {
            case token, name, role, expiresAt
        }
    }

    func call(_ params: Params, context: MethodContext) async throws -> Result {
        let principal = try context.principal
        let token = TokenMinter.newToken()
        let expiresAt = params.expires.flatMap { TokenMinter.expiry(lifetime: $0) }
        try await context.store.createToken(
            name: params.name,
            role: params.role,
            hash: TokenMinter.hash(token),
            createdBy: principal.name,
            expiresAt: expiresAt
        )
        context.logger.notice(
            "audit: token created",
            metadata: ["by": "\(principal.name)", "name": "\(params.name)", "role": "\(params.role.rawValue)", "expiresAt": "\(expiresAt ?? "never")"]
        )
        return Result(token: token, name: params.name, role: params.role, expiresAt: expiresAt)
    }
}
