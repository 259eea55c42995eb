/// JSON text written earlier by ``JSONWriter`` (compact and valid), spliced into a reply as is:
/// a result kept encoded is sent without being parsed or written again.
public struct EncodedJSON: Sendable, Hashable {
    /// The compact text. Written once by ``init(_:)``, it keeps no spare capacity (kept results
    /// live long); ``init(uncheckedText:)`` keeps the array as given.
    public let bytes: [UInt8]

    /// Text known to be compact, valid JSON: written by ``JSONWriter`` earlier, as a store's
    /// documents are, or assembled from such text (a sync page). Nothing checks it; text from
    /// anywhere else must be parsed first.
    public init(uncheckedText bytes: [UInt8]) {
        self.bytes = bytes
    }

    /// Writes `value` once.
    public init(_ value: JSONValue) {
        var written: [UInt8] = []
        written.reserveCapacity(256)
        JSONWriter.write(value, into: &written)
        // Kept results can live long (caches): do not keep the writer's growth slack with them.
        self.bytes = [UInt8](unsafeUninitializedCapacity: written.count) { buffer, count in
            _ = buffer.initialize(fromContentsOf: written)
            count = written.count
        }
    }
}

/// A request's successful result: a value to write, or text written before.
public enum JSONResult: Sendable {
    case value(JSONValue)
    case encoded(EncodedJSON)
}

extension JSONResult {
    /// The result as a value; kept text is parsed again.
    public func value() throws -> JSONValue {
        switch self {
        case .value(let value): value
        case .encoded(let text): try JSONParser.parse(text.bytes)
        }
    }
}
