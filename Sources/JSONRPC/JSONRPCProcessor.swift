/// Turns one received JSON text into the bytes to send back, following JSON-RPC 2.0 to the letter:
/// batches, notifications, id echoing, and the error for every kind of malformed input.
///
/// It knows no transport and no methods: `handler` answers each valid request.
public struct JSONRPCProcessor<Context: Sendable>: Sendable {
    /// Answers one request. A thrown ``JSONRPCError`` goes to the client as is; the processor never
    /// sees other errors (the handler maps them). A result may come already encoded (a kept reply).
    public typealias Handler = @Sendable (JSONRPCRequest, Context) async -> Result<JSONResult, JSONRPCError>

    public var maxDepth: Int
    /// The most requests one batch may hold; a longer batch gets one `-32600 batch_too_large`
    /// (batches are the classic way around per-request limits).
    public var maximumBatchLength: Int
    private let handler: Handler

    public init(maxDepth: Int = 128, maximumBatchLength: Int = 1000, handler: @escaping Handler) {
        self.maxDepth = maxDepth
        self.maximumBatchLength = maximumBatchLength
        self.handler = handler
    }

    /// Parses one message with this processor's depth limit.
    public func parse(_ message: UnsafeRawBufferPointer) -> Result<JSONValue, JSONParseError> {
        Result { () throws(JSONParseError) in try JSONParser.parse(message, maxDepth: self.maxDepth) }
    }

    /// The `-32700` reply (id null) to a message that is not JSON.
    public func reply(to error: JSONParseError) -> [UInt8] {
        JSONRPCResponse.failure(id: .null, error: Self.parseError(error))
    }

    /// The reply to one message, or nil when nothing must be sent (a notification, or a batch of them).
    public func process(_ message: [UInt8], context: Context) async -> [UInt8]? {
        switch message.withUnsafeBytes({ self.parse($0) }) {
        case .success(let value): return await self.process(value, context: context)
        case .failure(let error): return self.reply(to: error)
        }
    }

    /// The reply to an already parsed message.
    public func process(_ value: JSONValue, context: Context) async -> [UInt8]? {
        guard case .array(let elements) = value else {
            var bytes: [UInt8] = []
            await self.answer(value, context: context, into: &bytes)
            return bytes.isEmpty ? nil : bytes
        }
        guard !elements.isEmpty else {
            return JSONRPCResponse.failure(id: .null, error: .invalidRequest("a batch must not be empty", kind: "empty_batch"))
        }
        guard elements.count <= self.maximumBatchLength else {
            return JSONRPCResponse.failure(
                id: .null,
                error: .invalidRequest(
                    "a batch may hold at most \(self.maximumBatchLength) requests, not \(elements.count)",
                    kind: "batch_too_large",
                    extra: ["limit": .number(JSONNumber(self.maximumBatchLength))]
                )
            )
        }
        var bytes: [UInt8] = [UInt8(ascii: "[")]
        var answered = 0
        for element in elements {
            let before = bytes.count
            if answered > 0 { bytes.append(UInt8(ascii: ",")) }
            let mark = bytes.count
            await self.answer(element, context: context, into: &bytes)
            if bytes.count == mark {
                bytes.removeSubrange(before...)
            } else {
                answered += 1
            }
        }
        guard answered > 0 else { return nil }
        bytes.append(UInt8(ascii: "]"))
        return bytes
    }

    private func answer(_ value: JSONValue, context: Context, into bytes: inout [UInt8]) async {
        switch JSONRPCRequest.validate(value) {
        case .failure(let invalid):
            JSONRPCResponse.failure(id: invalid.id, error: invalid.error, into: &bytes)
        case .success(let request):
            let result = await self.handler(request, context)
            guard let id = request.id else { return }
            switch result {
            case .success(.value(let value)): JSONRPCResponse.success(id: id, result: value, into: &bytes)
            case .success(.encoded(let text)): JSONRPCResponse.success(id: id, result: text, into: &bytes)
            case .failure(let error): JSONRPCResponse.failure(id: id, error: error, into: &bytes)
            }
        }
    }

    static func parseError(_ error: JSONParseError) -> JSONRPCError {
        let kind =
            switch error.kind {
            case .tooDeep: "too_deep"
            case .invalidUTF8: "invalid_utf8"
            case .empty: "empty_message"
            case .invalidSyntax: "invalid_json"
            }
        return .parseError(error.message, kind: kind, offset: error.offset)
    }
}
