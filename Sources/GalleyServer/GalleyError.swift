import JSONRPC

/// An application error with its wire form: a Galley error code, a stable snake_case `kind`, a
/// message for people and the details a program needs to react.
public struct GalleyError: Error, Sendable, CustomStringConvertible {
    public enum Code: Int, Sendable {
        case unauthenticated = -32001
        case forbidden = -32003
        case notFound = -32004
        case versionConflict = -32009
        case integrity = -32010
        case validation = -32022
        case overloaded = -32029
        case storageFailure = -32603
    }

    public var code: Code
    public var kind: String
    public var message: String
    public var details: JSONObject

    public init(_ code: Code, kind: String, _ message: String, details: JSONObject = [:]) {
        self.code = code
        self.kind = kind
        self.message = message
        self.details = details
    }

    public var rpcError: JSONRPCError {
        var data: JSONObject = ["kind": .string(self.kind)]
        for (key, value) in self.details { data[key] = value }
        return JSONRPCError(code: self.code.rawValue, message: self.message, data: .object(data))
    }

    public var description: String { "\(self.code.rawValue) \(self.kind): \(self.message)" }
}

extension GalleyError {
    /// `-32029 rate_limited`: over one of the ``AbuseLimits``; `retryAfterMs` says when to retry.
    static func rateLimited(_ message: String, retryAfter: Duration, limit: String) -> GalleyError {
        let milliseconds = Int(retryAfter.components.seconds) * 1000 + Int(retryAfter.components.attoseconds / 1_000_000_000_000_000)
        return GalleyError(
            .overloaded,
            kind: "rate_limited",
            message,
            details: ["retryAfterMs": .number(JSONNumber(max(1, milliseconds))), "limit": .string(limit)]
        )
    }

    static func unauthenticated(_ message: String = "Authenticate first with auth.authenticate") -> GalleyError {
        GalleyError(.unauthenticated, kind: "unauthenticated", message)
    }

    static func notFound(_ what: String, _ identifier: String) -> GalleyError {
        GalleyError(.notFound, kind: "not_found", "No \(what) \(identifier)", details: ["entity": .string(what), "id": .string(identifier)])
    }
}
