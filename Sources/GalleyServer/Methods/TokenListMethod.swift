import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `token.list`: the live tokens, never the tokens themselves.
struct TokenListMethod: TypedGalleyMethod {
    static let name = "token.list"
    static let access = MethodAccess.role(.admin)

    struct Item: Encodable, Sendable {
        var name: String
        var role: Role
        var createdAt: String
        var createdBy: String?
        var lastUsedAt: String?
        var expiresAt: String?

        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.name, forKey: .name)
            try container.encode(self.role, forKey: .role)
            try container.encode(self.createdAt, forKey: .createdAt)
            try container.encode(self.createdBy, forKey: .createdBy)
            try container.encode(self.lastUsedAt, forKey: .lastUsedAt)
            try container.encode(self.expiresAt, forKey: .expiresAt)
        }

        enum CodingKeys: String, CodingKey {
            case name, role, createdAt, createdBy, lastUsedAt, expiresAt
        }
    }

    struct Result: Encodable, Sendable {
        var items: [Item]
    }

    func call(_ params: NoParams, context: MethodContext) async throws -> Result {
        let tokens = try await context.store.listTokens()
        return Result(
            items: tokens.map {
                Item(name: $0.name, role: $0.role, createdAt: $0.createdAt, createdBy: $0.createdBy, lastUsedAt: $0.lastUsedAt, expiresAt: $0.expiresAt)
            }
        )
    }
}
