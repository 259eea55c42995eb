#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Histogram
import JSONRPC
import NIOCore
import NIOPosix
import Synchronization

/// Failures of the load client itself (server errors are counted, not thrown, during load).
enum LoadError: Error, CustomStringConvertible {
    case cannotConnect(String)
    case connectionClosed(String)
    case setupFailed(method: String, reply: String)
    case requestsFailed(count: Int, first: String)
    case timedOut(String)

    var description: String {
        switch self {
        case .cannotConnect(let reason): "cannot connect: \(reason)"
        case .connectionClosed(let context): "the server closed the connection (\(context))"
        case .setupFailed(let method, let reply): "\(method) failed: \(reply)"
        case .requestsFailed(let count, let first): "\(count) requests got an error reply; the first: \(first)"
        case .timedOut(let what): "timed out: \(what)"
        }
    }
}

/// The phase of a load run, shared by all its connections: replies are recorded only while
/// `measuring`; after `stopping` no new request is sent and each connection drains.
final class LoadControl: Sendable {
    static let warmingUp = 0
    static let measuring = 1
    static let stopping = 2

    private let phase = Atomic<Int>(LoadControl.measuring)

    init(phase: Int) {
        self.phase.store(phase, ordering: .relaxed)
    }

    var current: Int { self.phase.load(ordering: .relaxed) }
    func move(to phase: Int) { self.phase.store(phase, ordering: .relaxed) }
}

/// What one connection measured.
struct ConnectionTally: Sendable {
    var histogram: Histogram<UInt64>
    /// Replies recorded while measuring (successes and errors).
    var recorded: Int
    var errors: Int
    var firstError: String?

    static func empty() -> ConnectionTally {
        ConnectionTally(histogram: LatencyHistogram.make(), recorded: 0, errors: 0, firstError: nil)
    }
}

enum LatencyHistogram {
    /// Microseconds, from 1 µs to 10 minutes, 3 significant digits.
    static func make() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: 600_000_000, numberOfSignificantValueDigits: .three)
    }
}

/// One pipelined client connection: keeps up to `depth` requests in flight, matches replies by
/// the id's in-flight slot (`id % depth`), and sends the next request from inside the reply
/// handler, on the event loop, without a task hop. It parses replies only as far as needed: the
/// newline, the id, and whether `error` comes before `result`.
final class LoadHandler: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    let depth: Int
    private var control = LoadControl(phase: LoadControl.stopping)
    private var source: (any RequestSource)?
    private var sendTimes: [UInt64]
    private var rounds: [Int]
    private var inFlight = 0
    private var outbound: ByteBuffer
    private var partial: ByteBuffer
    private var tally = ConnectionTally.empty()
    private var drained: EventLoopPromise<Void>?
    private var setupCall: EventLoopPromise<[UInt8]>?
    private var context: ChannelHandlerContext?

    init(depth: Int, allocator: ByteBufferAllocator) {
        self.depth = max(1, depth)
        self.sendTimes = Array(repeating: 0, count: self.depth)
        self.rounds = Array(repeating: 0, count: self.depth)
        self.outbound = allocator.buffer(capacity: 64 * 1024)
        self.partial = allocator.buffer(capacity: 64 * 1024)
    }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    // MARK: - Driving (called on the event loop)

    /// Sends one request with id 0 outside any load (authentication, setup reads) and returns
    /// the reply line as sent.
    func call(_ request: [UInt8], promise: EventLoopPromise<[UInt8]>) {
        guard let context = self.context else {
            promise.fail(LoadError.connectionClosed("not connected"))
            return
        }
        self.setupCall = promise
        var buffer = context.channel.allocator.buffer(capacity: request.count + 1)
        buffer.writeBytes(request)
        buffer.writeInteger(UInt8(ascii: "\n"))
        context.writeAndFlush(Self.wrapOutboundOut(buffer), promise: nil)
    }

    /// Starts a load: fills every slot and keeps them full until `control` says stop or the
    /// source runs dry; `drained` completes when the last reply is in.
    func start(source: any RequestSource, control: LoadControl, drained: EventLoopPromise<Void>) {
        self.source = source
        self.control = control
        self.drained = drained
        self.tally = .empty()
        for slot in 0..<self.depth {
            self.sendNext(slot: slot)
        }
        self.flush()
        self.completeIfDrained()
    }

    /// Hands over what was measured and starts counting afresh.
    func takeTally() -> ConnectionTally {
        defer { self.tally = .empty() }
        return self.tally
    }

    private func sendNext(slot: Int) {
        guard self.control.current != LoadControl.stopping, let source = self.source else { return }
        self.rounds[slot] += 1
        let id = self.rounds[slot] * self.depth + slot
        if source.writeRequest(id: id, slot: slot, into: &self.outbound) {
            self.sendTimes[slot] = NIODeadline.now().uptimeNanoseconds
            self.inFlight += 1
        } else {
            self.source = nil
        }
    }

    private func flush() {
        guard self.outbound.readableBytes > 0, let context = self.context else { return }
        context.writeAndFlush(Self.wrapOutboundOut(self.outbound), promise: nil)
        self.outbound.clear()
    }

    private func completeIfDrained() {
        guard self.inFlight == 0, self.source == nil || self.control.current == LoadControl.stopping else { return }
        self.source = nil
        if let drained = self.drained {
            self.drained = nil
            drained.succeed(())
        }
    }

    // MARK: - Replies

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = Self.unwrapInboundIn(data)
        buffer.withUnsafeReadableBytes { raw in
            guard let base = raw.baseAddress else { return }
            var start = 0
            while start < raw.count, let found = memchr(base + start, Int32(UInt8(ascii: "\n")), raw.count - start) {
                let end = base.distance(to: UnsafeRawPointer(found))
                if self.partial.readableBytes > 0 {
                    self.partial.writeBytes(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
                    let line = self.partial
                    line.withUnsafeReadableBytes { self.handleLine($0) }
                    self.partial.clear()
                } else {
                    self.handleLine(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
                }
                start = end + 1
            }
            if start < raw.count {
                self.partial.writeBytes(UnsafeRawBufferPointer(rebasing: raw[start...]))
            }
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        self.flush()
        self.completeIfDrained()
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.context = nil
        let error = LoadError.connectionClosed(self.tally.firstError ?? "no error reply seen")
        self.setupCall?.fail(error)
        self.setupCall = nil
        self.drained?.fail(error)
        self.drained = nil
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }

    private static let idKey = Array(#""id":"#.utf8)
    private static let errorKey = Array(#""error":"#.utf8)
    private static let resultKey = Array(#""result":"#.utf8)

    private func handleLine(_ line: UnsafeRawBufferPointer) {
        guard let id = Self.numericID(in: line) else {
            // A reply with id null: the server refused the connection or a frame.
            self.noteError(line)
            return
        }
        if id == 0 {
            if let setupCall = self.setupCall {
                self.setupCall = nil
                setupCall.succeed(Array(line))
            }
            return
        }
        let slot = id % self.depth
        let now = NIODeadline.now().uptimeNanoseconds
        self.inFlight -= 1
        let failed = Self.isError(line)
        if self.control.current == LoadControl.measuring {
            let micros = max(1, (now &- self.sendTimes[slot]) / 1000)
            _ = self.tally.histogram.record(min(micros, 600_000_000))
            self.tally.recorded += 1
        }
        if failed { self.noteError(line) }
        self.sendNext(slot: slot)
    }

    private func noteError(_ line: UnsafeRawBufferPointer) {
        self.tally.errors += 1
        if self.tally.firstError == nil {
            self.tally.firstError = String(decoding: line.prefix(600), as: UTF8.self)
        }
    }

    /// The number after the first `"id":` that is followed by a digit (entity ids inside results
    /// are strings, so they are skipped).
    static func numericID(in line: UnsafeRawBufferPointer) -> Int? {
        var searchFrom = 0
        while let keyAt = Self.find(Self.idKey, in: line, from: searchFrom) {
            var index = keyAt + Self.idKey.count
            while index < line.count, line[index] == UInt8(ascii: " ") { index += 1 }
            var value = 0
            var digits = 0
            while index < line.count, line[index] >= UInt8(ascii: "0"), line[index] <= UInt8(ascii: "9") {
                value = value * 10 + Int(line[index] - UInt8(ascii: "0"))
                digits += 1
                index += 1
            }
            if digits > 0 { return value }
            searchFrom = keyAt + 1
        }
        return nil
    }

    /// Whether the reply's `error` member comes before any `result` (member text inside strings
    /// is escaped, so `"error":` appears unescaped only as a member name). `result` is looked for
    /// first and `error` only before it: scanning a 6-10 KB article for an `"error":` it does not
    /// contain cost the client more than the rest of the reply's handling.
    static func isError(_ line: UnsafeRawBufferPointer) -> Bool {
        let result = Self.find(Self.resultKey, in: line, from: 0)
        return Self.find(Self.errorKey, in: line, from: 0, before: result ?? line.count) != nil
    }

    private static func find(_ needle: [UInt8], in haystack: UnsafeRawBufferPointer, from start: Int, before end: Int? = nil) -> Int? {
        guard let base = haystack.baseAddress, let first = needle.first else { return nil }
        let count = min(end.map { $0 + needle.count - 1 } ?? haystack.count, haystack.count)
        var position = start
        // memchr for the first byte, then compare the rest (glibc's memmem is not imported).
        while count - position >= needle.count,
            let found = memchr(base + position, Int32(first), count - position - needle.count + 1)
        {
            let at = base.distance(to: UnsafeRawPointer(found))
            if memcmp(base + at, needle, needle.count) == 0 { return at }
            position = at + 1
        }
        return nil
    }
}

/// A connected ``LoadHandler``, driven from async code.
final class LoadConnection: Sendable {
    let channel: any Channel
    let depth: Int

    private init(channel: any Channel, depth: Int) {
        self.channel = channel
        self.depth = depth
    }

    static func connect(host: String, port: Int, depth: Int, group: any EventLoopGroup) async throws -> LoadConnection {
        do {
            let channel = try await ClientBootstrap(group: group)
                .channelOption(.socketOption(.tcp_nodelay), value: 1)
                .connectTimeout(.seconds(10))
                .channelInitializer { channel in
                    channel.eventLoop.makeCompletedFuture {
                        try channel.pipeline.syncOperations.addHandler(LoadHandler(depth: depth, allocator: channel.allocator))
                    }
                }
                .connect(host: host, port: port)
                .get()
            return LoadConnection(channel: channel, depth: depth)
        } catch {
            throw LoadError.cannotConnect("\(host):\(port): \(error)")
        }
    }

    /// Connects and authenticates `count` connections, `batch` at a time.
    static func connectMany(
        _ count: Int,
        host: String,
        port: Int,
        token: String,
        depth: Int,
        group: any EventLoopGroup,
        batch: Int = 64
    ) async throws -> [LoadConnection] {
        var connections: [LoadConnection] = []
        connections.reserveCapacity(count)
        do {
            while connections.count < count {
                let size = min(batch, count - connections.count)
                let opened = try await withThrowingTaskGroup(of: LoadConnection.self) { group2 in
                    for _ in 0..<size {
                        group2.addTask {
                            let connection = try await LoadConnection.connect(host: host, port: port, depth: depth, group: group)
                            do {
                                try await connection.authenticate(token: token)
                            } catch {
                                await connection.close()
                                throw error
                            }
                            return connection
                        }
                    }
                    var opened: [LoadConnection] = []
                    for try await connection in group2 { opened.append(connection) }
                    return opened
                }
                connections += opened
            }
        } catch {
            for connection in connections { await connection.close() }
            throw error
        }
        return connections
    }

    private func onHandler<T: Sendable>(_ body: @escaping @Sendable (LoadHandler, any EventLoop) throws -> EventLoopFuture<T>) async throws -> T {
        let channel = self.channel
        return try await channel.eventLoop.flatSubmit {
            do {
                let handler = try channel.pipeline.syncOperations.handler(type: LoadHandler.self)
                return try body(handler, channel.eventLoop)
            } catch {
                return channel.eventLoop.makeFailedFuture(error)
            }
        }.get()
    }

    /// How long a setup call (authentication, a sync snapshot page) may take.
    static let callDeadline: TimeAmount = .seconds(300)

    /// Sends `method` with `params` (JSON text) as id 0 and returns the parsed reply's `result`;
    /// an error reply throws.
    func call(_ method: String, params: String? = nil) async throws -> JSONValue {
        let request = Array((RequestBytes.head + Array("0".utf8) + RequestBytes.tail(method: method, params: params)).dropLast())
        let channel = self.channel
        let line = try await self.onHandler { handler, loop in
            let promise = loop.makePromise(of: [UInt8].self)
            handler.call(request, promise: promise)
            // A setup call that gets no answer must not hang the run: closing fails the promise.
            let deadline = loop.scheduleTask(in: Self.callDeadline) { channel.close(promise: nil) }
            promise.futureResult.whenComplete { _ in deadline.cancel() }
            return promise.futureResult
        }
        let reply = try JSONParser.parse(line)
        if let result = reply["result"] { return result }
        throw LoadError.setupFailed(method: method, reply: String(decoding: line.prefix(600), as: UTF8.self))
    }

    func authenticate(token: String) async throws {
        _ = try await self.call("auth.authenticate", params: JSONWriter.string(["token": .string(token)]))
    }

    /// Runs `source` on this connection until `control` stops it or the source runs dry.
    func run(source makeSource: @escaping @Sendable () -> any RequestSource, control: LoadControl) async throws {
        try await self.onHandler { handler, loop in
            let drained = loop.makePromise(of: Void.self)
            handler.start(source: makeSource(), control: control, drained: drained)
            return drained.futureResult
        }
    }

    func takeTally() async throws -> ConnectionTally {
        try await self.onHandler { handler, loop in loop.makeSucceededFuture(handler.takeTally()) }
    }

    func close() async {
        try? await self.channel.close()
    }
}
