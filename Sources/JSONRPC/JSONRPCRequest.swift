/// One validated JSON-RPC 2.0 request or notification.
public struct JSONRPCRequest: Sendable {
    /// The id to echo, or nil for a notification (which gets no reply).
    public var id: RequestID?
    public var method: String
    /// The params as sent; an omitted `params` member is an empty object.
    public var params: JSONValue

    public init(id: RequestID?, method: String, params: JSONValue = .object([:])) {
        self.id = id
        self.method = method
        self.params = params
    }

    public var isNotification: Bool { self.id == nil }

    /// Reads a request object, or returns the `-32600` error to answer it with (and the id to answer to,
    /// which is null when the id itself could not be read).
    public static func read(_ value: JSONValue) -> Result<JSONRPCRequest, InvalidRequest> {
        Self.validate(value)
    }

    static func validate(_ value: JSONValue) -> Result<JSONRPCRequest, InvalidRequest> {
        guard case .object(let object) = value else {
            return .failure(InvalidRequest(id: .null, error: .invalidRequest("a request must be a JSON object")))
        }
        var id: RequestID? = nil
        if let rawID = object["id"] {
            guard let parsed = RequestID(json: rawID) else {
                return .failure(
                    InvalidRequest(id: .null, error: .invalidRequest("id must be a string, a number or null"))
                )
            }
            id = parsed
        }
        let answerID = id ?? .null
        for key in object.keys where !Self.members.contains(key) {
            return .failure(
                InvalidRequest(
                    id: answerID,
                    error: .invalidRequest("unknown member \"\(key)\"", kind: "unknown_member", extra: ["member": .string(key)])
                )
            )
        }
        guard object["jsonrpc"] == .string("2.0") else {
            return .failure(InvalidRequest(id: answerID, error: .invalidRequest("jsonrpc must be exactly \"2.0\"")))
        }
        guard case .string(let method) = object["method"] else {
            return .failure(InvalidRequest(id: answerID, error: .invalidRequest("method must be a string")))
        }
        let params = object["params"] ?? .object([:])
        switch params {
        case .object, .array: break
        default:
            return .failure(
                InvalidRequest(id: answerID, error: .invalidRequest("params must be an object or an array"))
            )
        }
        return .success(JSONRPCRequest(id: id, method: method, params: params))
    }

    private static let members: Set<String> = ["jsonrpc", "id", "method", "params"]

    /// A request that cannot be served, with the id and error to answer it with.
    public struct InvalidRequest: Error {
        public var id: RequestID
        public var error: JSONRPCError
    }
}
