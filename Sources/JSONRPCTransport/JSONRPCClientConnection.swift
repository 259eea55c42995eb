import JSONRPC
import NIOCore
import NIOPosix
import NIOConcurrencyHelpers
import Synchronization

/// Transport failures seen by a client (server errors arrive as ``JSONRPCError``).
public enum ClientError: Error, Sendable, CustomStringConvertible {
    case cannotConnect(host: String, port: Int, reason: String)
    case connectionClosed
    case malformedReply(String)
    /// The TLS handshake failed: the server does not speak TLS, or its certificate is not trusted.
    case tlsHandshakeFailed(host: String, port: Int, reason: String)
    /// The server's certificate is not the pinned one.
    case certificatePinMismatch(host: String, port: Int, expected: CertificatePin, actual: CertificatePin)

    public var description: String {
        switch self {
        case .cannotConnect(let host, let port, let reason): "cannot connect to \(host):\(port): \(reason)"
        case .tlsHandshakeFailed(let host, let port, let reason): "the TLS handshake with \(host):\(port) failed: \(reason)"
        case .certificatePinMismatch(let host, let port, let expected, let actual):
            "the certificate of \(host):\(port) is not the pinned one: expected \(expected), the server presented \(actual)"
        case .connectionClosed: "the connection was closed before the reply arrived"
        case .malformedReply(let reason): "the server sent a malformed reply: \(reason)"
        }
    }
}

/// One client connection speaking newline-framed JSON-RPC 2.0, with any number of calls in
/// flight at once (replies are matched by id) and server-initiated notifications on a stream.
public final class JSONRPCClientConnection: Sendable {
    private let channel: any Channel
    private let router: ReplyRouter
    private let nextID = Atomic<Int>(0)

    /// The pin of the certificate the server presented, on a TLS connection (nil without TLS).
    public let serverCertificatePin: CertificatePin?

    /// Notifications the server sends on its own (e.g. `sync.changed`).
    public let notifications: AsyncStream<JSONRPCRequest>

    /// Bytes of messages received so far (replies and notifications, without framing), for
    /// progress displays.
    public var bytesReceived: Int { self.router.bytesReceived.load(ordering: .relaxed) }

    private init(
        channel: any Channel,
        router: ReplyRouter,
        notifications: AsyncStream<JSONRPCRequest>,
        serverCertificatePin: CertificatePin?
    ) {
        self.channel = channel
        self.router = router
        self.notifications = notifications
        self.serverCertificatePin = serverCertificatePin
    }

    /// Connects to `host:port`; with `tls`, returns once the handshake has succeeded.
    ///
    /// Throws ``ClientError/cannotConnect(host:port:reason:)`` when the TCP connection fails,
    /// ``ClientError/tlsHandshakeFailed(host:port:reason:)`` or
    /// ``ClientError/certificatePinMismatch(host:port:expected:actual:)`` when TLS does, and
    /// ``TLSSetupError`` when a file named in `tls` cannot be used.
    public static func connect(
        host: String,
        port: Int,
        tls: ClientTLS? = nil,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        maximumMessageBytes: Int = 1 << 30
    ) async throws -> JSONRPCClientConnection {
        let (stream, continuation) = AsyncStream<JSONRPCRequest>.makeStream(bufferingPolicy: .bufferingNewest(1024))
        let router = ReplyRouter(notifications: continuation)
        let sslContext = try tls?.makeContext()
        let pinCheck = PinCheck()
        let handshake = tls.map { _ in eventLoopGroup.any().makePromise(of: CertificatePin.self) }
        let channel: any Channel
        do {
            channel = try await ClientBootstrap(group: eventLoopGroup)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connectTimeout(.seconds(10))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        if let tls, let sslContext, let handshake {
                            try channel.pipeline.syncOperations.addHandler(tls.makeHandler(context: sslContext, host: host, check: pinCheck))
                            try channel.pipeline.syncOperations.addHandler(TLSHandshakeWatcher(handshake: handshake, timeout: tls.handshakeTimeout))
                        }
                        try channel.pipeline.syncOperations.addHandler(
                            ByteToMessageHandler(FrameDecoder(maximumMessageBytes: maximumMessageBytes))
                        )
                        try channel.pipeline.syncOperations.addHandler(ReplyHandler(router: router))
                    }
                }
                .connect(host: host, port: port)
                .get()
        } catch {
            handshake?.fail(error)
            throw ClientError.cannotConnect(host: host, port: port, reason: "\(error)")
        }
        guard let tls, let handshake else {
            return JSONRPCClientConnection(channel: channel, router: router, notifications: stream, serverCertificatePin: nil)
        }
        do {
            let pin = try await handshake.futureResult.get()
            return JSONRPCClientConnection(channel: channel, router: router, notifications: stream, serverCertificatePin: pin)
        } catch {
            try? await channel.close()
            if case .pin(let expected) = tls.trust, let actual = pinCheck.actual, actual != expected {
                throw ClientError.certificatePinMismatch(host: host, port: port, expected: expected, actual: actual)
            }
            throw ClientError.tlsHandshakeFailed(host: host, port: port, reason: "\(error)")
        }
    }

    /// Calls `method` and returns its `result`; a JSON-RPC error reply is thrown as ``JSONRPCError``.
    public func call(_ method: String, params: JSONValue? = nil) async throws -> JSONValue {
        let reply = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Reply, any Error>) in
            self.request(method, params: params, asText: false) { continuation.resume(with: $0) }
        }
        return try Self.result(of: reply)
    }

    /// Calls `method` and returns its `result` as JSON text, exactly as the server wrote it: the
    /// reply is checked as strictly as ``call(_:params:)`` checks it, but its values are not built.
    /// For large results the caller reads a few members of and stores the rest of as it is.
    public func callText(_ method: String, params: JSONValue? = nil) async throws -> [UInt8] {
        let reply = try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Reply, any Error>) in
            self.request(method, params: params, asText: true) { continuation.resume(with: $0) }
        }
        guard case .resultText(let text) = reply else { return JSONWriter.bytes(try Self.result(of: reply)) }
        return text
    }

    /// Sends a request now and returns a task that waits for its reply. Requests started one after
    /// another go out in that order (calls made from separate tasks may not), so a caller can have
    /// the server read the next request while it still answers this one.
    public func start(_ method: String, params: JSONValue? = nil) -> Task<JSONValue, any Error> {
        let promise = self.channel.eventLoop.makePromise(of: Reply.self)
        self.request(method, params: params, asText: false) { promise.completeWith($0) }
        return Task { try Self.result(of: try await promise.futureResult.get()) }
    }

    /// Registers `reply` for a new request id, then sends the request (before returning, so
    /// requests leave in the order this is called).
    private func request(_ method: String, params: JSONValue?, asText: Bool, reply: @escaping @Sendable (Result<Reply, any Error>) -> Void) {
        let id = RequestID.number(JSONNumber(self.nextID.add(1, ordering: .relaxed).newValue))
        var request: JSONObject = ["jsonrpc": "2.0", "id": id.json, "method": .string(method)]
        if let params { request["params"] = params }
        self.router.expect(id, asText: asText, reply)
        self.send(JSONWriter.bytes(.object(request))) { error in
            self.router.fail(id, error)
        }
    }

    private static func result(of received: Reply) throws -> JSONValue {
        let reply: JSONObject
        switch received {
        case .parsed(let object): reply = object
        case .resultText(let text): return try JSONParser.parse(text, maxDepth: 512)
        }
        if let error = reply["error"] {
            throw JSONRPCError(json: error) ?? JSONRPCError(code: -32603, message: "malformed error object")
        }
        guard let result = reply["result"] else { throw ClientError.malformedReply("neither result nor error") }
        return result
    }

    /// Sends a notification (no reply).
    public func notify(_ method: String, params: JSONValue? = nil) async throws {
        var request: JSONObject = ["jsonrpc": "2.0", "method": .string(method)]
        if let params { request["params"] = params }
        try await self.channel.writeAndFlush(Framing.newline.frame(JSONWriter.bytes(.object(request)), allocator: self.channel.allocator))
    }

    /// Sends one message exactly as given (a request, a batch, anything) and returns the next reply
    /// that is not an answer to a ``call(_:params:)``, or nil when `expectReply` is false.
    public func sendRaw(_ payload: [UInt8], expectReply: Bool = true) async throws -> JSONValue? {
        guard expectReply else {
            try await self.channel.writeAndFlush(Framing.newline.frame(payload, allocator: self.channel.allocator))
            return nil
        }
        return try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<JSONValue, any Error>) in
            self.router.expectRaw(continuation)
            self.send(payload) { error in self.router.failRaw(error) }
        }
    }

    private func send(_ payload: [UInt8], onFailure: @escaping @Sendable (any Error) -> Void) {
        let buffer = Framing.newline.frame(payload, allocator: self.channel.allocator)
        self.channel.writeAndFlush(buffer).whenFailure(onFailure)
    }

    /// Closes the connection; calls still waiting fail with ``ClientError/connectionClosed``.
    public func close() async {
        try? await self.channel.close()
    }

    /// Completes when the server closes the connection.
    public func waitForClose() async {
        try? await self.channel.closeFuture.get()
    }
}

/// A reply as a waiting call receives it: parsed, or (``JSONRPCClientConnection/callText(_:params:)``)
/// its result's text.
enum Reply: Sendable {
    case parsed(JSONObject)
    case resultText([UInt8])
}

/// Matches replies to waiting calls. Shared between callers (any task) and the channel handler.
final class ReplyRouter: Sendable {
    typealias Waiter = @Sendable (Result<Reply, any Error>) -> Void

    private struct State {
        var pending: [RequestID: Waiter] = [:]
        /// The pending ids that want their result as text.
        var textWanted: Set<RequestID> = []
        var rawWaiters: [CheckedContinuation<JSONValue, any Error>] = []
        var closed = false
    }

    private let state = NIOLockedValueBox(State())
    private let notifications: AsyncStream<JSONRPCRequest>.Continuation
    let bytesReceived = Atomic<Int>(0)
    /// How many calls wait for a result as text: while none does, replies are parsed at once.
    let textWaiters = Atomic<Int>(0)

    init(notifications: AsyncStream<JSONRPCRequest>.Continuation) {
        self.notifications = notifications
    }

    func expect(_ id: RequestID, asText: Bool, _ waiter: @escaping Waiter) {
        let closed = self.state.withLockedValue { state -> Bool in
            if state.closed { return true }
            state.pending[id] = waiter
            if asText {
                state.textWanted.insert(id)
                self.textWaiters.add(1, ordering: .relaxed)
            }
            return false
        }
        if closed { waiter(.failure(ClientError.connectionClosed)) }
    }

    func fail(_ id: RequestID, _ error: any Error) {
        self.take(id)?(.failure(error))
    }

    /// Removes and returns the waiter for `id`.
    private func take(_ id: RequestID) -> Waiter? {
        self.state.withLockedValue { state in
            if state.textWanted.remove(id) != nil { self.textWaiters.subtract(1, ordering: .relaxed) }
            return state.pending.removeValue(forKey: id)
        }
    }

    /// Hands a reply to a call that wants its result as text, when `id` is one; returns false
    /// otherwise. `members` are the checked frame's; the result's text is cut from `frame`.
    func deliverText(id: RequestID, members: [(name: String, value: Range<Int>)], frame: UnsafeRawBufferPointer) -> Bool {
        let waiter = self.state.withLockedValue { state -> Waiter? in
            guard state.textWanted.remove(id) != nil else { return nil }
            self.textWaiters.subtract(1, ordering: .relaxed)
            return state.pending.removeValue(forKey: id)
        }
        guard let waiter else { return false }
        if let error = members.last(where: { $0.name == "error" }) {
            let value = try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: frame[error.value]))
            waiter(.failure(value.flatMap(JSONRPCError.init(json:)) ?? JSONRPCError(code: -32603, message: "malformed error object")))
        } else if let result = members.last(where: { $0.name == "result" }) {
            waiter(.success(.resultText(Array(frame[result.value]))))
        } else {
            waiter(.failure(ClientError.malformedReply("neither result nor error")))
        }
        return true
    }

    func expectRaw(_ continuation: CheckedContinuation<JSONValue, any Error>) {
        let closed = self.state.withLockedValue { state -> Bool in
            if state.closed { return true }
            state.rawWaiters.append(continuation)
            return false
        }
        if closed { continuation.resume(throwing: ClientError.connectionClosed) }
    }

    func failRaw(_ error: any Error) {
        self.state.withLockedValue { state in state.rawWaiters.isEmpty ? nil : state.rawWaiters.removeFirst() }?
            .resume(throwing: error)
    }

    func deliver(_ value: JSONValue) {
        if case .object(let object) = value {
            if object["id"] == nil, case .string(let method) = object["method"] {
                self.notifications.yield(JSONRPCRequest(id: nil, method: method, params: object["params"] ?? .object([:])))
                return
            }
            if let rawID = object["id"], let id = RequestID(json: rawID), id != .null, let waiter = self.take(id) {
                waiter(.success(.parsed(object)))
                return
            }
        }
        self.state.withLockedValue { state in state.rawWaiters.isEmpty ? nil : state.rawWaiters.removeFirst() }?
            .resume(returning: value)
    }

    func closeAll() {
        let (pending, raw) = self.state.withLockedValue { state in
            state.closed = true
            self.textWaiters.store(0, ordering: .relaxed)
            defer {
                state.pending = [:]
                state.textWanted = []
                state.rawWaiters = []
            }
            return (Array(state.pending.values), state.rawWaiters)
        }
        for waiter in pending { waiter(.failure(ClientError.connectionClosed)) }
        for waiter in raw { waiter.resume(throwing: ClientError.connectionClosed) }
        self.notifications.finish()
    }
}

/// Parses each reply frame and hands it to the router.
private final class ReplyHandler: ChannelInboundHandler {
    typealias InboundIn = InboundFrame

    private let router: ReplyRouter

    init(router: ReplyRouter) {
        self.router = router
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard case .message(let buffer, _) = Self.unwrapInboundIn(data) else { return }
        self.router.bytesReceived.add(buffer.readableBytes, ordering: .relaxed)
        let parsed = buffer.withUnsafeReadableBytes { raw -> Result<JSONValue, JSONParseError>? in
            if self.router.textWaiters.load(ordering: .relaxed) > 0, self.deliveredAsText(raw) { return nil }
            return Result { () throws(JSONParseError) in try JSONParser.parse(raw, maxDepth: 512) }
        }
        if case .success(let value) = parsed { self.router.deliver(value) }
    }

    /// Scans the frame (checking it whole) and, when it answers a call that wants its result as
    /// text, hands that over without building any value.
    private func deliveredAsText(_ frame: UnsafeRawBufferPointer) -> Bool {
        guard let members = try? JSONParser.members(of: frame, in: 0..<frame.count, maxDepth: 512),
            let idMember = members.last(where: { $0.name == "id" }),
            let idValue = try? JSONParser.parse(UnsafeRawBufferPointer(rebasing: frame[idMember.value])),
            let id = RequestID(json: idValue), id != .null
        else { return false }
        return self.router.deliverText(id: id, members: members, frame: frame)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.router.closeAll()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
