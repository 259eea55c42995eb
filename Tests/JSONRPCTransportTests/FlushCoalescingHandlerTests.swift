@testable import JSONRPCTransport
import NIOCore
import NIOEmbedded
import Testing

/// Replies flushed during one event-loop tick leave together, once the loop's queued tasks ran.
@Suite struct FlushCoalescingHandlerTests {
    private func write(_ text: String, to channel: EmbeddedChannel) {
        channel.writeAndFlush(ByteBuffer(string: text), promise: nil)
    }

    private func drain(_ channel: EmbeddedChannel) throws -> [String] {
        var written: [String] = []
        while let buffer = try channel.readOutbound(as: ByteBuffer.self) { written.append(String(buffer: buffer)) }
        return written
    }

    @Test func flushesInOneTickBecomeOneFlushAfterTheTick() throws {
        let channel = EmbeddedChannel(handler: FlushCoalescingHandler())
        self.write("a\n", to: channel)
        self.write("b\n", to: channel)
        self.write("c\n", to: channel)
        #expect(try self.drain(channel).isEmpty, "nothing leaves while the tick runs")
        channel.embeddedEventLoop.run()
        #expect(try self.drain(channel) == ["a\n", "b\n", "c\n"])
        #expect(try channel.finish().isClean)
    }

    @Test func aLoneReplyLeavesOnTheNextTaskOfTheLoop() throws {
        let channel = EmbeddedChannel(handler: FlushCoalescingHandler())
        self.write("only\n", to: channel)
        channel.embeddedEventLoop.run()
        #expect(try self.drain(channel) == ["only\n"])
        self.write("again\n", to: channel)
        channel.embeddedEventLoop.run()
        #expect(try self.drain(channel) == ["again\n"])
        #expect(try channel.finish().isClean)
    }

    @Test func closingFlushesWhatIsPendingFirst() throws {
        let channel = EmbeddedChannel(handler: FlushCoalescingHandler())
        self.write("last words\n", to: channel)
        let closed = channel.close()
        #expect(try self.drain(channel) == ["last words\n"])
        channel.embeddedEventLoop.run()
        try closed.wait()
    }
}
