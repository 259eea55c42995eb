import GalleyModel
import GalleyStore
import JSONRPCTransport
import JSONRPC
import Logging

/// Routes one valid JSON-RPC request to its method after the checks every method shares:
/// the method exists, the caller may call it, and the params fit the method's schema.
/// Every error leaves here as a precise JSON-RPC error; unexpected ones are logged and become -32603.
struct MethodDispatcher: Sendable {
    let server: ServerState

    func dispatch(_ request: JSONRPCRequest, session: GalleySession) async -> Result<JSONResult, JSONRPCError> {
        guard let method = self.server.methods[request.method],
            let contract = self.server.document.methods[request.method]
        else {
            return .failure(.methodNotFound(request.method))
        }
        // Every request counts, batch elements one by one: per token, or per address before
        // authentication.
        let caller = session.principal.map { "token:" + $0.name } ?? "address:" + session.info.address
        if let wait = self.server.requestLimiter.take(caller) {
            return .failure(
                GalleyError.rateLimited(
                    "Too many requests: at most \(self.server.limits.requestsPerSecond) per second per token; retry later",
                    retryAfter: wait,
                    limit: "requestsPerSecond"
                ).rpcError
            )
        }
        let access = type(of: method).access
        if case .role(let required) = access {
            guard let principal = session.principal else {
                return .failure(GalleyError.unauthenticated("\(request.method) needs an authenticated connection: call auth.authenticate first").rpcError)
            }
            guard principal.role.includes(required) else {
                return .failure(
                    GalleyError(
                        .forbidden,
                        kind: "forbidden",
                        "\(request.method) needs the \(required.rawValue) role; this token has \(principal.role.rawValue)",
                        details: ["required": .string(required.rawValue), "role": .string(principal.role.rawValue)]
                    ).rpcError
                )
            }
        }
        guard case .object = request.params else {
            return .failure(.invalidParams([(path: "", message: "params must be an object of named params, not an array")]))
        }
        let violations = self.server.document.validateParams(request.params, for: contract.name)
        if !violations.isEmpty {
            return .failure(.invalidParams(violations.map { (path: $0.path, message: $0.message) }))
        }
        do {
            return .success(try await method.reply(request.params, context: session.makeContext()))
        } catch let error as GalleyError {
            return .failure(error.rpcError)
        } catch let error as JSONRPCError {
            return .failure(error)
        } catch let error as ChangesetError {
            return .failure(error.rpcError)
        } catch let error as StoreError {
            return .failure(self.map(error, method: request.method))
        } catch {
            self.server.logger.error(
                "internal error",
                metadata: ["method": "\(request.method)", "connection": "\(session.info.id)", "error": "\(String(reflecting: error))"]
            )
            return .failure(.internalError())
        }
    }

    private func map(_ error: StoreError, method: String) -> JSONRPCError {
        switch error {
        case .tokenNameTaken(let name):
            return GalleyError(.integrity, kind: "token_name_taken", error.description, details: ["name": .string(name)]).rpcError
        case .schemaTooNew, .unusable, .storageFailure:
            self.server.logger.error("storage failure", metadata: ["method": "\(method)", "error": "\(error)"])
            return GalleyError(.storageFailure, kind: "storage_failure", "The store failed; see the server log").rpcError
        }
    }
}
