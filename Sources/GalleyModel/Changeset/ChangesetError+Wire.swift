import JSONRPC

extension ChangesetError {
    /// The wire form of a refused changeset: the code, message and `data` (with its `kind`) the
    /// server answers with. A replica refuses a local edit with exactly this error, so an editor
    /// sees the same words offline as online.
    public var rpcError: JSONRPCError {
        switch self {
        case .validation(let errors):
            let summary = errors.prefix(3).map(\.description).joined(separator: "; ")
            return Self.error(
                -32022,
                kind: "validation_failed",
                "Validation failed: \(summary)\(errors.count > 3 ? "; and \(errors.count - 3) more" : "")",
                ["errors": .array(errors.map { .object(["path": .string($0.path), "message": .string($0.message)]) })]
            )
        case .conflict(let conflicts):
            let fields = conflicts.flatMap { $0.fields.map(\.field) }
            return Self.error(
                -32009,
                kind: "version_conflict",
                "Version conflict on \(conflicts.count) entit\(conflicts.count == 1 ? "y" : "ies")"
                    + (fields.isEmpty ? "" : " (fields: \(fields.joined(separator: ", ")))") + "; nothing was written",
                ["conflicts": .array(conflicts.map(\.json))]
            )
        case .integrity(let kind, let message, let details):
            return Self.error(-32010, kind: kind, message, details)
        case .notFound(let type, let id, let opIndex):
            return Self.error(
                -32004,
                kind: "not_found",
                "ops[\(opIndex)]: no \(type.rawValue) \(id)",
                ["type": .string(type.rawValue), "id": .string(id), "opIndex": .number(JSONNumber(opIndex))]
            )
        case .storage:
            return Self.error(-32603, kind: "storage_failure", "The store failed; see the server log", [:])
        }
    }

    private static func error(_ code: Int, kind: String, _ message: String, _ details: JSONObject) -> JSONRPCError {
        var data: JSONObject = ["kind": .string(kind)]
        for (key, value) in details { data[key] = value }
        return JSONRPCError(code: code, message: message, data: .object(data))
    }
}
