/// The `error` member of a JSON-RPC response: what went wrong, as a code a program can branch on,
/// a message a person can read, and `data` with the machine-readable details.
public struct JSONRPCError: Error, Sendable, Hashable, CustomStringConvertible {
    public var code: Int
    public var message: String
    public var data: JSONValue?

    public init(code: Int, message: String, data: JSONValue? = nil) {
        self.code = code
        self.message = message
        self.data = data
    }

    /// `data.kind`, the stable snake_case word every Galley error carries.
    public var kind: String? { self.data?["kind"]?.stringValue }

    public var json: JSONValue {
        var object: JSONObject = ["code": .number(JSONNumber(self.code)), "message": .string(self.message)]
        if let data = self.data { object["data"] = data }
        return .object(object)
    }

    public init?(json: JSONValue) {
        guard let code = json["code"]?.intValue, let message = json["message"]?.stringValue else { return nil }
        self.init(code: code, message: message, data: json["data"])
    }

    public var description: String {
        if let data { return "\(self.code) \(self.message) \(JSONWriter.string(data))" }
        return "\(self.code) \(self.message)"
    }
}

extension JSONRPCError {
    public static let parseErrorCode = -32700
    public static let invalidRequestCode = -32600
    public static let methodNotFoundCode = -32601
    public static let invalidParamsCode = -32602
    public static let internalErrorCode = -32603

    /// `-32700`: the bytes were not one well-formed JSON text.
    public static func parseError(_ reason: String, kind: String = "parse_error", offset: Int? = nil) -> JSONRPCError {
        var data: JSONObject = ["kind": .string(kind), "reason": .string(reason)]
        if let offset { data["offset"] = .number(JSONNumber(offset)) }
        return JSONRPCError(code: parseErrorCode, message: "Parse error", data: .object(data))
    }

    /// `-32600`: valid JSON, but not a valid JSON-RPC 2.0 request.
    public static func invalidRequest(_ reason: String, kind: String = "invalid_request", extra: JSONObject = [:])
        -> JSONRPCError
    {
        var data: JSONObject = ["kind": .string(kind), "reason": .string(reason)]
        for (key, value) in extra { data[key] = value }
        return JSONRPCError(code: invalidRequestCode, message: "Invalid Request", data: .object(data))
    }

    /// `-32601`: no such method.
    public static func methodNotFound(_ method: String) -> JSONRPCError {
        JSONRPCError(
            code: methodNotFoundCode,
            message: "Method not found: \(method)",
            data: ["kind": "method_not_found", "method": .string(method)]
        )
    }

    /// `-32602`: the params do not fit the method; `errors` names every offending path at once.
    public static func invalidParams(_ errors: [(path: String, message: String)]) -> JSONRPCError {
        let list = errors.map { JSONValue.object(["path": .string($0.path), "message": .string($0.message)]) }
        let summary = errors.prefix(3).map { $0.path.isEmpty ? $0.message : "\($0.path) \($0.message)" }
            .joined(separator: "; ")
        return JSONRPCError(
            code: invalidParamsCode,
            message: "Invalid params: \(summary)",
            data: ["kind": "invalid_params", "errors": .array(list)]
        )
    }

    /// `-32603`: the server failed; details are in its log, not on the wire.
    public static func internalError(kind: String = "internal_error", _ message: String = "Internal error")
        -> JSONRPCError
    {
        JSONRPCError(code: internalErrorCode, message: message, data: ["kind": .string(kind)])
    }
}
