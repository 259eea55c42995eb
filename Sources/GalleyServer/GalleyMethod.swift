import GalleyModel
import JSONRPC

/// Who may call a method.
public enum MethodAccess: Sendable, Hashable, CustomStringConvertible {
    /// Callable before authenticating (`rpc.discover`, `server.info`, `auth.authenticate`).
    case anonymous
    /// Requires an authenticated connection whose role includes this one.
    case role(Role)

    /// The value of `x-galley-role` in the OpenRPC document.
    public var description: String {
        switch self {
        case .anonymous: "anonymous"
        case .role(let role): role.rawValue
        }
    }
}

/// One JSON-RPC method of the Galley API. One type per method, one file per type, each mirrored
/// by an entry in `API/galley.openrpc.json` (a test checks both sets are equal).
protocol GalleyMethod: Sendable {
    static var name: String { get }
    static var access: MethodAccess { get }

    /// Answers a call whose params have already been checked against the method's schema.
    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue

    /// The result as the dispatcher sends it: `call`'s value unless the method keeps its replies
    /// encoded (`article.get`, `media.get`).
    func reply(_ params: JSONValue, context: MethodContext) async throws -> JSONResult
}

extension GalleyMethod {
    func reply(_ params: JSONValue, context: MethodContext) async throws -> JSONResult {
        .value(try await self.call(params, context: context))
    }
}

/// A method whose params decode into a typed value (after schema validation, so decoding only
/// fails on a bug, which becomes an internal error).
protocol TypedGalleyMethod: GalleyMethod {
    associatedtype Params: Decodable & Sendable
    associatedtype Result: Encodable & Sendable

    func call(_ params: Params, context: MethodContext) async throws -> Result
}

extension TypedGalleyMethod {
    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        let typed = try JSONValueDecoder().decode(Params.self, from: params)
        return try JSONValueEncoder().encode(try await self.call(typed, context: context))
    }
}

/// Params of methods that take none.
struct NoParams: Decodable, Sendable {}

/// The empty object result.
struct EmptyResult: Encodable, Sendable {}
