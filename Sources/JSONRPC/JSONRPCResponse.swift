/// The wire form of replies: exactly `jsonrpc`, `id` and one of `result` or `error`, in that order.
public enum JSONRPCResponse {
    public static func success(id: RequestID, result: JSONValue, into bytes: inout [UInt8]) {
        Self.head(id: id, into: &bytes)
        bytes.append(contentsOf: #","result":"#.utf8)
        JSONWriter.write(result, into: &bytes)
        bytes.append(UInt8(ascii: "}"))
    }

    /// A success whose result was encoded before: its text is copied, not written again.
    public static func success(id: RequestID, result: EncodedJSON, into bytes: inout [UInt8]) {
        Self.head(id: id, into: &bytes)
        bytes.append(contentsOf: #","result":"#.utf8)
        bytes.append(contentsOf: result.bytes)
        bytes.append(UInt8(ascii: "}"))
    }

    public static func failure(id: RequestID, error: JSONRPCError, into bytes: inout [UInt8]) {
        Self.head(id: id, into: &bytes)
        bytes.append(contentsOf: #","error":"#.utf8)
        JSONWriter.write(error.json, into: &bytes)
        bytes.append(UInt8(ascii: "}"))
    }

    public static func failure(id: RequestID, error: JSONRPCError) -> [UInt8] {
        var bytes: [UInt8] = []
        Self.failure(id: id, error: error, into: &bytes)
        return bytes
    }

    private static func head(id: RequestID, into bytes: inout [UInt8]) {
        bytes.append(contentsOf: #"{"jsonrpc":"2.0","id":"#.utf8)
        JSONWriter.write(id.json, into: &bytes)
    }
}
