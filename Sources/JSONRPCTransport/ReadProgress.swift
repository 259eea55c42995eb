import NIOCore
import Synchronization

/// What a connection's watchdog needs to know about its reads, kept by two small handlers around
/// the ``FrameDecoder``: since when bytes of an unfinished message have been waiting (a client
/// trickling a message byte by byte, slowloris-style, never finishes one), and when the
/// connection last read anything or finished a request (idle connections).
final class ReadProgress: Sendable {
    /// Uptime in nanoseconds of the first byte read after the last complete message; 0 for none.
    private let partialSince = Atomic<UInt64>(0)
    /// Uptime in nanoseconds of the last read or finished request.
    private let lastActivity = Atomic<UInt64>(NIODeadline.now().uptimeNanoseconds)
    /// Frames decoded and not yet answered (or dropped); a connection waiting for its replies is not idle.
    private let inFlight = Atomic<Int>(0)

    func bytesRead() {
        let now = NIODeadline.now().uptimeNanoseconds
        self.lastActivity.store(now, ordering: .relaxed)
        _ = self.partialSince.compareExchange(expected: 0, desired: now, ordering: .relaxed)
    }

    /// A frame was decoded: it counts as in flight from here, not from when the read loop takes
    /// it, so a loaded machine that delays the read loop cannot make a connection whose request
    /// is waiting look idle (the watchdog closed such connections under test load).
    func messageCompleted() {
        self.partialSince.store(0, ordering: .relaxed)
        self.inFlight.add(1, ordering: .relaxed)
    }

    func requestFinished() {
        self.inFlight.subtract(1, ordering: .relaxed)
        self.lastActivity.store(NIODeadline.now().uptimeNanoseconds, ordering: .relaxed)
    }

    /// How long the unfinished message has been arriving, nil when none is.
    func partialMessageAge(now: NIODeadline = .now()) -> Duration? {
        let since = self.partialSince.load(ordering: .relaxed)
        guard since != 0 else { return nil }
        return .nanoseconds(Int64(now.uptimeNanoseconds &- since))
    }

    /// How long the connection has been idle, nil while a request is being handled.
    func idleTime(now: NIODeadline = .now()) -> Duration? {
        guard self.inFlight.load(ordering: .relaxed) == 0 else { return nil }
        return .nanoseconds(Int64(now.uptimeNanoseconds &- self.lastActivity.load(ordering: .relaxed)))
    }
}

/// Before the decoder: notes every read.
final class ReadProgressMarker: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer
    let progress: ReadProgress

    init(_ progress: ReadProgress) { self.progress = progress }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.progress.bytesRead()
        context.fireChannelRead(data)
    }
}

/// After the decoder: notes every complete message.
final class MessageCompletionMarker: ChannelInboundHandler, Sendable {
    typealias InboundIn = InboundFrame
    typealias InboundOut = InboundFrame
    let progress: ReadProgress

    init(_ progress: ReadProgress) { self.progress = progress }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.progress.messageCompleted()
        context.fireChannelRead(data)
    }
}
