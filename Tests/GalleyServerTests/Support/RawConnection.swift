import Foundation
import GalleyTestSupport
import NIOCore
import NIOPosix
import NIOConcurrencyHelpers

/// A plain TCP connection that records every byte the server sends, for tests that assert the
/// exact wire format, framing and closing behaviour. Reads poll with a deadline, so no test waits
/// for ever.
final class RawConnection: Sendable {
    struct Received {
        var bytes: [UInt8] = []
        var closed = false
        var error: String?
    }

    private let channel: any Channel
    private let recorder: Recorder

    private init(channel: any Channel, recorder: Recorder) {
        self.channel = channel
        self.recorder = recorder
    }

    static func connect(host: String, port: Int) async throws -> RawConnection {
        let recorder = Recorder()
        let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelOption(.allowRemoteHalfClosure, value: true)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(RecordingHandler(recorder: recorder))
                }
            }
            .connect(host: host, port: port)
            .get()
        return RawConnection(channel: channel, recorder: recorder)
    }

    func send(_ text: String) async throws {
        try await self.send(Array(text.utf8))
    }

    func send(_ bytes: [UInt8]) async throws {
        var buffer = self.channel.allocator.buffer(capacity: bytes.count)
        buffer.writeBytes(bytes)
        try await self.channel.writeAndFlush(buffer)
    }

    /// Sends one message with `Content-Length` framing.
    func sendFramed(_ payload: [UInt8]) async throws {
        try await self.send(Array("Content-Length: \(payload.count)\r\n\r\n".utf8) + payload)
    }

    /// Sends FIN: the server may still answer what it has read.
    func shutdownWrite() async throws {
        try await self.channel.close(mode: .output)
    }

    func close() async {
        try? await self.channel.close()
    }

    /// The next line the server sent (without `\n`), or nil when the connection closed first or
    /// nothing came within `timeout`. The default is generous: every caller expects a line, and in
    /// the PostgreSQL pass (170 servers at once on 2 cores) a 5 s wait for a store read ran out.
    func readLine(timeout: Duration = .seconds(15)) async throws -> String? {
        try await self.poll(timeout: timeout) { received in
            guard let newline = received.bytes.firstIndex(of: UInt8(ascii: "\n")) else {
                return received.closed ? .some(nil) : nil
            }
            let line = String(decoding: received.bytes[..<newline], as: UTF8.self)
            received.bytes.removeSubrange(...newline)
            return .some(line)
        } ?? nil
    }

    /// The next `Content-Length`-framed message, or nil when the connection closed first.
    func readFramed(timeout: Duration = .seconds(15)) async throws -> String? {
        try await self.poll(timeout: timeout) { received in
            let bytes = received.bytes
            let separator = Array("\r\n\r\n".utf8)
            guard bytes.count >= 4,
                let end = (0...(bytes.count - 4)).first(where: { Array(bytes[$0..<($0 + 4)]) == separator })
            else { return received.closed ? .some(nil) : nil }
            let header = String(decoding: bytes[..<end], as: UTF8.self)
            guard let length = Int(header.split(separator: ":").last?.trimmingCharacters(in: .whitespaces) ?? "") else {
                return .some(nil)
            }
            guard bytes.count >= end + 4 + length else { return received.closed ? .some(nil) : nil }
            let body = String(decoding: bytes[(end + 4)..<(end + 4 + length)], as: UTF8.self)
            received.bytes.removeSubrange(..<(end + 4 + length))
            return .some(body)
        } ?? nil
    }

    /// Waits until the server closes; returns everything it sent that was not read yet.
    func readUntilClosed(timeout: Duration = .seconds(10)) async throws -> String {
        try await self.poll(timeout: timeout) { received in
            guard received.closed else { return nil }
            defer { received.bytes = [] }
            return String(decoding: received.bytes, as: UTF8.self)
        } ?? { throw TestFailure("the server did not close the connection within \(timeout)") }()
    }

    /// Whether the server closed the connection (cleanly or not) within `timeout`.
    func isClosed(within timeout: Duration) async throws -> Bool {
        try await self.poll(timeout: timeout) { $0.closed ? true : nil } ?? false
    }

    /// The reset/error the connection saw, if any.
    var readError: String? { self.recorder.state.withLockedValue { $0.error } }

    /// Whether anything arrived that was not read yet, after waiting `quiet`.
    func hasUnreadBytes(after quiet: Duration) async throws -> Bool {
        try await Task.sleep(for: quiet)
        return self.recorder.state.withLockedValue { !$0.bytes.isEmpty }
    }

    private func poll<T>(timeout: Duration, _ check: (inout Received) -> T?) async throws -> T? {
        let deadline = ContinuousClock.now + timeout
        while true {
            if let value = self.recorder.state.withLockedValue({ check(&$0) }) { return value }
            if ContinuousClock.now >= deadline { return nil }
            try await Task.sleep(for: .milliseconds(2))
        }
    }

    final class Recorder: Sendable {
        let state = NIOLockedValueBox(Received())
    }

    private final class RecordingHandler: ChannelInboundHandler {
        typealias InboundIn = ByteBuffer
        let recorder: Recorder

        init(recorder: Recorder) { self.recorder = recorder }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            let buffer = Self.unwrapInboundIn(data)
            self.recorder.state.withLockedValue { $0.bytes.append(contentsOf: buffer.readableBytesView) }
        }

        func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
            if event is ChannelEvent, case .inputClosed = event as! ChannelEvent {
                self.recorder.state.withLockedValue { $0.closed = true }
            }
            context.fireUserInboundEventTriggered(event)
        }

        func channelInactive(context: ChannelHandlerContext) {
            self.recorder.state.withLockedValue { $0.closed = true }
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            self.recorder.state.withLockedValue { $0.error = "\(error)" }
            context.close(promise: nil)
        }
    }
}

extension TestServer {
    /// A byte-level connection, for asserting exact wire behaviour.
    func raw() async throws -> RawConnection {
        try await RawConnection.connect(host: self.host, port: self.port)
    }
}
