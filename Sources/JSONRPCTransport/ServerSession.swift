import NIOCore
import NIOConcurrencyHelpers

/// What the transport needs from the layer above for one connection. The transport owns sockets,
/// framing, limits and shutdown; the session owns meaning (parsing, methods, authentication).
public protocol ServerSession: Sendable {
    /// Answers one message. Called concurrently for pipelined messages.
    func handle(_ message: ByteBuffer) async -> SessionReply
    /// Whether the client has authenticated; connections that have not by the deadline are closed.
    var isAuthenticated: Bool { get }
    /// Whether an idle connection must be kept open anyway (it waits for server notifications).
    var isIdleExempt: Bool { get }
    /// Called once when the connection is gone.
    func closed()
}

extension ServerSession {
    public var isIdleExempt: Bool { false }
}

/// The bytes to send back for one message (nil: nothing, e.g. a notification), and whether the
/// connection must then be closed (for example after too many failed authentications).
public struct SessionReply: Sendable {
    public var bytes: [UInt8]?
    public var closeReason: String?

    public init(bytes: [UInt8]?, closeReason: String? = nil) {
        self.bytes = bytes
        self.closeReason = closeReason
    }
}

/// What a session learns about its connection when it is opened.
public struct ConnectionInfo: Sendable {
    /// A number unique within this server process, for logs.
    public var id: Int
    /// The peer's address and port, for logs.
    public var peer: String
    /// The peer's IP address alone (no port), for per-address limits.
    public var address: String
    /// Sends server-initiated messages (notifications) on this connection.
    public var outbound: ConnectionOutbound

    public init(id: Int, peer: String, address: String, outbound: ConnectionOutbound) {
        self.id = id
        self.peer = peer
        self.address = address
        self.outbound = outbound
    }
}

/// Writes messages the server sends on its own (e.g. `sync.changed`), framed the way the
/// client frames its own messages.
public final class ConnectionOutbound: Sendable {
    let writer: NIOAsyncChannelOutboundWriter<ByteBuffer>
    let channel: any Channel
    /// The connection's framing, known once the client sent its first message.
    let framing = NIOLockedValueBox(Framing.newline)
    let allocator = ByteBufferAllocator()

    init(writer: NIOAsyncChannelOutboundWriter<ByteBuffer>, channel: any Channel) {
        self.writer = writer
        self.channel = channel
    }

    /// Closes the connection now (e.g. its token was revoked).
    public func close() {
        self.channel.close(promise: nil)
    }

    /// Sends one message; fails when the connection is gone.
    public func send(_ payload: [UInt8]) async throws {
        let framing = self.framing.withLockedValue { $0 }
        try await self.writer.write(framing.frame(payload, allocator: self.allocator))
    }
}
