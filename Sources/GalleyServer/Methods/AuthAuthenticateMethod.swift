import GalleyModel
import GalleyStore
import JSONRPC
import JSONRPCTransport
import Logging

/// `auth.authenticate`: binds the connection to the token's principal and role.
/// Five failed attempts close the connection.
struct AuthAuthenticateMethod: TypedGalleyMethod {
    static let name = "auth.authenticate"
    static let access = MethodAccess.anonymous

    struct Params: Decodable, Sendable {
        var token: String
    }

    func call(_ params: Params, context: MethodContext) async throws -> WhoamiResult {
        let address = context.session.info.address
        let failures = context.server.authenticationFailures
        // An address that used up its failures is refused before its token is even looked at.
        if let wait = failures.check(address) {
            context.server.logger.warning("audit: authentication refused: too many failures from this address", metadata: ["address": "\(address)"])
            throw GalleyError.rateLimited(
                "Too many failed authentications from \(address): at most \(context.server.limits.failedAuthenticationsPerMinute) per minute; retry later",
                retryAfter: wait,
                limit: "failedAuthenticationsPerMinute"
            )
        }
        if let principal = try await context.store.authenticate(tokenHash: TokenMinter.hash(params.token)) {
            context.session.authenticated(as: principal)
            return WhoamiResult(principal)
        }
        _ = failures.take(address)
        let remaining = context.session.authenticationFailed()
        throw GalleyError(
            .unauthenticated,
            kind: "invalid_token",
            remaining > 0
                ? "Unknown, revoked or expired token; \(remaining) attempts left on this connection"
                : "Unknown, revoked or expired token; closing the connection after too many failed attempts",
            details: ["attemptsLeft": .number(.init(remaining))]
        )
    }
}

/// `{principal, role}`: who a connection is.
struct WhoamiResult: Encodable, Sendable {
    var principal: String
    var role: Role

    init(_ principal: Principal) {
        self.principal = principal.name
        self.role = principal.role
    }
}
