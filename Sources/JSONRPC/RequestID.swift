/// A JSON-RPC request id: a string, a number (kept as the exact text the client sent) or null.
public enum RequestID: Sendable, Hashable, CustomStringConvertible {
    case string(String)
    case number(JSONNumber)
    case null

    /// The id as it appears on the wire.
    public var json: JSONValue {
        switch self {
        case .string(let string): .string(string)
        case .number(let number): .number(number)
        case .null: .null
        }
    }

    /// An id from a JSON value, or nil when the value is not a valid id (object, array, boolean).
    public init?(json: JSONValue) {
        switch json {
        case .string(let string): self = .string(string)
        case .number(let number): self = .number(number)
        case .null: self = .null
        default: return nil
        }
    }

    public var description: String {
        switch self {
        case .string(let string): "\"\(string)\""
        case .number(let number): number.text
        case .null: "null"
        }
    }
}
