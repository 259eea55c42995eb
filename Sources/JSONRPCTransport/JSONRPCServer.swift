import JSONRPC
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import NIOConcurrencyHelpers
import Synchronization

/// A JSON-RPC server over plain TCP: accepts connections, frames messages, enforces the transport
/// limits, hands each message to a ``ServerSession`` and writes the replies back.
///
/// One misbehaving connection cannot hurt another: each runs in its own child task and never
/// throws out of it. On graceful shutdown it stops accepting, stops reading new messages, lets the
/// ones in flight finish, and closes.
public final class JSONRPCServer: Service, Sendable {
    public typealias SessionFactory = @Sendable (ConnectionInfo) -> any ServerSession

    private let configuration: TransportConfiguration
    private let makeSession: SessionFactory
    private let eventLoopGroup: any EventLoopGroup
    private let logger: Logger
    private let onListening: @Sendable (SocketAddress) -> Void
    private let openConnections = Atomic<Int>(0)
    private let connectionIDs = Atomic<Int>(0)

    public init(
        configuration: TransportConfiguration,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        logger: Logger,
        onListening: @escaping @Sendable (SocketAddress) -> Void = { _ in },
        makeSession: @escaping SessionFactory
    ) {
        self.configuration = configuration
        self.eventLoopGroup = eventLoopGroup
        self.logger = logger
        self.onListening = onListening
        self.makeSession = makeSession
    }

    /// The number of connections open right now.
    public var connectionCount: Int { self.openConnections.load(ordering: .relaxed) }

    public func run() async throws {
        let maximumMessageBytes = self.configuration.maximumMessageBytes
        let tls = self.configuration.tls
        let serverChannel = try await ServerBootstrap(group: self.eventLoopGroup)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .serverChannelOption(.backlog, value: 1024)
            .childChannelOption(.allowRemoteHalfClosure, value: true)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .bind(host: self.configuration.host, port: self.configuration.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    // Reads are noted before TLS, so a handshake trickled byte by byte counts as
                    // an unfinished message too (slowloris). Then TLS: the framing and everything
                    // after it see only plaintext; a client that does not speak TLS fails the
                    // handshake and only its connection ends.
                    let progress = ReadProgress()
                    // Nearest the socket, replies finished in one event-loop tick leave in one flush.
                    try channel.pipeline.syncOperations.addHandlers(FlushCoalescingHandler(), ReadProgressMarker(progress))
                    if let tls {
                        try channel.pipeline.syncOperations.addHandler(tls.makeHandler())
                    }
                    try channel.pipeline.syncOperations.addHandlers(
                        ByteToMessageHandler(FrameDecoder(maximumMessageBytes: maximumMessageBytes)),
                        MessageCompletionMarker(progress),
                        InboundStreamEnder()
                    )
                    let connection = try NIOAsyncChannel<InboundFrame, ByteBuffer>(
                        wrappingChannelSynchronously: channel,
                        configuration: .init(isOutboundHalfClosureEnabled: true)
                    )
                    return AcceptedConnection(channel: connection, progress: progress)
                }
            }
        if let address = serverChannel.channel.localAddress {
            let host = address.ipAddress.map { address.protocol == .inet6 ? "[\($0)]" : $0 } ?? self.configuration.host
            var metadata: Logger.Metadata = ["address": "\(host):\(address.port ?? self.configuration.port)", "tls": "off"]
            if let tls {
                metadata["tls"] = "on"
                metadata["certificatePin"] = "\(tls.certificatePin)"
                metadata["clientCertificates"] = tls.requiresClientCertificates ? "required" : "not asked"
            }
            self.logger.info("listening", metadata: metadata)
            self.onListening(address)
        }
        await withDiscardingTaskGroup { group in
            do {
                try await serverChannel.executeThenClose { inbound in
                    for try await accepted in inbound.cancelOnGracefulShutdown() {
                        let connection = accepted.channel
                        let open = self.openConnections.add(1, ordering: .relaxed).newValue
                        let id = self.connectionIDs.add(1, ordering: .relaxed).newValue
                        group.addTask {
                            defer { self.openConnections.subtract(1, ordering: .relaxed) }
                            if open > self.configuration.maximumConnections {
                                await self.refuseOverloaded(connection, id: id)
                            } else {
                                await self.serve(connection, progress: accepted.progress, id: id)
                            }
                        }
                    }
                }
            } catch {
                self.logger.error("accept loop failed", metadata: ["error": "\(error)"])
            }
            self.logger.info("stopped accepting connections", metadata: ["open": "\(self.connectionCount)"])
        }
    }

    // MARK: - One connection

    private func serve(_ connection: NIOAsyncChannel<InboundFrame, ByteBuffer>, progress: ReadProgress, id: Int) async {
        let peer = connection.channel.remoteAddress?.description ?? "unknown"
        var logger = self.logger
        logger[metadataKey: "connection"] = "\(id)"
        logger[metadataKey: "peer"] = "\(peer)"
        logger.info("connection opened")
        let control = ConnectionControl(channel: connection.channel, linger: self.configuration.lingerDuration)
        do {
            try await connection.executeThenClose { inbound, outbound in
                let connectionOutbound = ConnectionOutbound(writer: outbound, channel: connection.channel)
                let session = self.makeSession(ConnectionInfo(
                        id: id,
                        peer: peer,
                        address: connection.channel.remoteAddress?.ipAddress ?? peer,
                        outbound: connectionOutbound
                    ))
                defer { session.closed() }
                await withTaskGroup(of: Void.self) { watchdogs in
                    watchdogs.addTask {
                        await self.enforceAuthenticationDeadline(session: session, control: control, outbound: outbound)
                    }
                    watchdogs.addTask {
                        await self.enforceReadDeadlines(progress: progress, session: session, control: control, outbound: outbound)
                    }
                    await self.readLoop(inbound: inbound, outbound: connectionOutbound, session: session, control: control, progress: progress)
                    watchdogs.cancelAll()
                }
            }
        } catch {
            control.noteClose(reason: "i/o error: \(error)")
        }
        logger.info("connection closed", metadata: ["reason": "\(control.closeReason ?? "client closed")"])
    }

    private func readLoop(
        inbound: NIOAsyncChannelInboundStream<InboundFrame>,
        outbound connectionOutbound: ConnectionOutbound,
        session: any ServerSession,
        control: ConnectionControl,
        progress: ReadProgress
    ) async {
        let outbound = connectionOutbound.writer
        let allocator = ByteBufferAllocator()
        let maximumInFlight = self.configuration.maximumInFlightPerConnection
        await withTaskGroup(of: Void.self) { requests in
            var inFlight = 0
            do {
                // Not `inbound.cancelOnGracefulShutdown()`: that merges the stream with a shutdown
                // signal through swift-async-algorithms' `merge`, whose per-element tasks and
                // continuations cost more than a whole `server.ping` (ping went from ~75,000 to
                // ~130,000 requests/s without it). Shutdown ends the stream at its source instead.
                try await withGracefulShutdownHandler {
                    for try await frame in inbound {
                        // Every frame was counted in flight when it was decoded (`MessageCompletionMarker`);
                        // a message's task ends that, every other frame ends it here.
                        if control.isClosing || control.isShuttingDown {
                            progress.requestFinished()
                            continue
                        }
                        switch frame {
                        case .message(let message, let framing):
                            connectionOutbound.framing.withLockedValue { $0 = framing }
                            if !session.isAuthenticated && inFlight > 0 {
                                // Until the connection is authenticated, requests run one at a time, so
                                // a request pipelined right behind auth.authenticate sees its outcome.
                                await requests.waitForAll()
                                inFlight = 0
                            }
                            if inFlight >= maximumInFlight {
                                // Backpressure: not pulling from `inbound` makes NIO stop reading the socket.
                                await requests.next()
                                inFlight -= 1
                            }
                            inFlight += 1
                            requests.addTask {
                                defer { progress.requestFinished() }
                                let reply = await session.handle(message)
                                if let bytes = reply.bytes {
                                    try? await outbound.write(framing.frame(bytes, allocator: allocator))
                                }
                                if let reason = reply.closeReason {
                                    control.closeGracefully(reason: reason, outbound: outbound)
                                }
                            }
                        case .oversized(let limit, let framing):
                            progress.requestFinished()
                            await requests.waitForAll()
                            inFlight = 0
                            let error = JSONRPCError.invalidRequest(
                                "the message is larger than the limit of \(limit) bytes",
                                kind: "message_too_large",
                                extra: ["limit": .number(JSONNumber(limit))]
                            )
                            try? await outbound.write(framing.frame(JSONRPCResponse.failure(id: .null, error: error), allocator: allocator))
                            control.closeGracefully(reason: "message over \(limit) bytes", outbound: outbound)
                        case .malformedHeader(let reason):
                            progress.requestFinished()
                            await requests.waitForAll()
                            inFlight = 0
                            let error = JSONRPCError.parseError(reason, kind: "malformed_frame")
                            try? await outbound.write(Framing.contentLength.frame(JSONRPCResponse.failure(id: .null, error: error), allocator: allocator))
                            control.closeGracefully(reason: "malformed header: \(reason)", outbound: outbound)
                        }
                    }
                } onGracefulShutdown: {
                    control.stopTakingMessages()
                }
                if !control.isClosing, Task.isShuttingDownGracefully {
                    control.noteClose(reason: "server shutting down")
                }
            } catch {
                control.noteClose(reason: "read failed: \(error)")
            }
            await requests.waitForAll()
        }
    }

    private func enforceAuthenticationDeadline(
        session: any ServerSession,
        control: ConnectionControl,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) async {
        do {
            try await Task.sleep(for: self.configuration.authenticationDeadline)
        } catch {
            return
        }
        guard !session.isAuthenticated, !control.isClosing else { return }
        let seconds = self.configuration.authenticationDeadline.components.seconds
        let error = JSONRPCError(
            code: -32001,
            message: "Not authenticated within \(seconds) s; closing",
            data: ["kind": "authentication_timeout", "deadlineSeconds": .number(JSONNumber(Int(seconds)))]
        )
        try? await outbound.write(Framing.newline.frame(JSONRPCResponse.failure(id: .null, error: error), allocator: ByteBufferAllocator()))
        control.closeGracefully(reason: "not authenticated within \(seconds) s", outbound: outbound)
    }

    /// Closes a connection that trickles a message for longer than the frame deadline
    /// (slowloris), or that has been idle (nothing read, nothing in flight, no subscription) for
    /// longer than the idle timeout, each after a `-32029` error naming the limit.
    private func enforceReadDeadlines(
        progress: ReadProgress,
        session: any ServerSession,
        control: ConnectionControl,
        outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>
    ) async {
        let frameDeadline = self.configuration.frameReadDeadline
        let idleTimeout = self.configuration.idleTimeout
        let checkEvery = min(.seconds(1), min(frameDeadline, idleTimeout ?? frameDeadline) / 4)
        while !control.isClosing {
            do {
                try await Task.sleep(for: checkEvery)
            } catch {
                return
            }
            let kind: String
            let limit: Duration
            if let age = progress.partialMessageAge(), age > frameDeadline {
                (kind, limit) = ("frame_timeout", frameDeadline)
            } else if let idleTimeout, !session.isIdleExempt, let idle = progress.idleTime(), idle > idleTimeout {
                (kind, limit) = ("idle_timeout", idleTimeout)
            } else {
                continue
            }
            let seconds = Int(limit.components.seconds)
            let what = kind == "frame_timeout" ? "A message took longer than \(seconds) s to arrive" : "Idle for more than \(seconds) s"
            let error = JSONRPCError(
                code: -32029,
                message: "\(what); closing",
                data: ["kind": .string(kind), "limitSeconds": .number(JSONNumber(seconds)), "retryAfterMs": 0]
            )
            let framing = Framing.newline
            try? await outbound.write(framing.frame(JSONRPCResponse.failure(id: .null, error: error), allocator: ByteBufferAllocator()))
            control.closeGracefully(reason: kind == "frame_timeout" ? "message not complete within \(seconds) s" : "idle for \(seconds) s", outbound: outbound)
            return
        }
    }

    private func refuseOverloaded(_ connection: NIOAsyncChannel<InboundFrame, ByteBuffer>, id: Int) async {
        let peer = connection.channel.remoteAddress?.description ?? "unknown"
        self.logger.warning(
            "connection refused: too many connections",
            metadata: ["connection": "\(id)", "peer": "\(peer)", "limit": "\(self.configuration.maximumConnections)"]
        )
        let control = ConnectionControl(channel: connection.channel, linger: self.configuration.lingerDuration)
        let error = JSONRPCError(
            code: -32029,
            message: "Server overloaded: too many connections",
            data: ["kind": "overloaded", "limit": .number(JSONNumber(self.configuration.maximumConnections)), "retryAfterMs": 1000]
        )
        try? await connection.executeThenClose { inbound, outbound in
            try await outbound.write(Framing.newline.frame(JSONRPCResponse.failure(id: .null, error: error), allocator: ByteBufferAllocator()))
            control.closeGracefully(reason: "overloaded", outbound: outbound)
            for try await _ in inbound {}
        }
    }
}

/// The closing state of one connection, shared by its reader and its request tasks.
final class ConnectionControl: Sendable {
    private struct State {
        var closing = false
        var reason: String?
    }

    private let state = NIOLockedValueBox(State())
    private let channel: any Channel
    private let linger: Duration

    init(channel: any Channel, linger: Duration) {
        self.channel = channel
        self.linger = linger
    }

    var isClosing: Bool { self.state.withLockedValue { $0.closing } }

    /// Whether the server is shutting down gracefully: messages already read are dropped, and
    /// no new one is read; replies to those in flight still go out.
    var isShuttingDown: Bool { self.shuttingDown.load(ordering: .relaxed) }

    private let shuttingDown = Atomic<Bool>(false)

    /// Ends the connection's stream of messages (the read loop then waits for the requests in
    /// flight and closes), leaving the socket open for their replies.
    func stopTakingMessages() {
        self.shuttingDown.store(true, ordering: .relaxed)
        InboundStreamEnder.end(self.channel)
    }
    var closeReason: String? { self.state.withLockedValue { $0.reason } }

    func noteClose(reason: String) {
        self.state.withLockedValue { if $0.reason == nil { $0.reason = reason } }
    }

    /// Stops taking messages, sends FIN after what is already written, keeps reading (and dropping)
    /// what the client still sends so it sees our last reply rather than a reset, and closes for good
    /// after the linger time if the client does not close first.
    func closeGracefully(reason: String, outbound: NIOAsyncChannelOutboundWriter<ByteBuffer>) {
        let first = self.state.withLockedValue { state -> Bool in
            guard !state.closing else { return false }
            state.closing = true
            if state.reason == nil { state.reason = reason }
            return true
        }
        guard first else { return }
        outbound.finish()
        let channel = self.channel
        let linger = TimeAmount.nanoseconds(Int64(self.linger.components.seconds) * 1_000_000_000 + self.linger.components.attoseconds / 1_000_000_000)
        channel.eventLoop.scheduleTask(in: linger) { channel.close(promise: nil) }
    }
}

/// An accepted connection with the read bookkeeping its watchdog uses.
struct AcceptedConnection: Sendable {
    var channel: NIOAsyncChannel<InboundFrame, ByteBuffer>
    var progress: ReadProgress
}
