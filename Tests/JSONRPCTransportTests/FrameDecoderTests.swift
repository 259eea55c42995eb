import JSONRPCTransport
import NIOCore
import NIOEmbedded
import Testing

/// The framing decoder fed through a real pipeline, one byte at a time and in one piece.
@Suite struct FrameDecoderTests {
    /// Feeds `input` (byte by byte when `byteByByte`) and returns every frame, with EOF at the end.
    private func decode(_ input: [UInt8], limit: Int = 1024, byteByByte: Bool) throws -> [InboundFrame] {
        let channel = EmbeddedChannel(handler: ByteToMessageHandler(FrameDecoder(maximumMessageBytes: limit)))
        var frames: [InboundFrame] = []
        func drain() throws {
            while let frame = try channel.readInbound(as: InboundFrame.self) { frames.append(frame) }
        }
        if byteByByte {
            for byte in input {
                var buffer = channel.allocator.buffer(capacity: 1)
                buffer.writeInteger(byte)
                try channel.writeInbound(buffer)
                try drain()
            }
        } else {
            try channel.writeInbound(ByteBuffer(bytes: input))
            try drain()
        }
        channel.pipeline.fireChannelInactive()
        try drain()
        _ = try? channel.finish()
        return frames
    }

    private func messages(_ frames: [InboundFrame]) -> [String] {
        frames.compactMap {
            if case .message(let buffer, _) = $0 { return String(buffer: buffer) }
            return nil
        }
    }

    @Test(arguments: [true, false])
    func newlineFramingSplitsLinesAndToleratesCRLFAndBlankLines(byteByByte: Bool) throws {
        let frames = try self.decode(Array("{\"a\":1}\n\r\n\n{\"b\":2}\r\n  \n[3]".utf8), byteByByte: byteByByte)
        #expect(self.messages(frames) == ["{\"a\":1}", "{\"b\":2}", "[3]"])
        #expect(frames.allSatisfy { if case .message(_, .newline) = $0 { true } else { false } })
    }

    @Test(arguments: [true, false])
    func contentLengthFramingIsDetectedCaseInsensitively(byteByByte: Bool) throws {
        let input = "content-LENGTH: 7\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{\"a\":1}Content-Length: 3\r\n\r\n[\n]"
        let frames = try self.decode(Array(input.utf8), byteByByte: byteByByte)
        #expect(self.messages(frames) == ["{\"a\":1}", "[\n]"])
        #expect(frames.allSatisfy { if case .message(_, .contentLength) = $0 { true } else { false } })
    }

    @Test(arguments: [true, false])
    func lineOverTheLimitIsReportedOnceAndTheRestDiscarded(byteByByte: Bool) throws {
        let input = "[1]\n" + String(repeating: "x", count: 40) + "\n[2]\n"
        let frames = try self.decode(Array(input.utf8), limit: 16, byteByByte: byteByByte)
        #expect(frames.count == 2)
        #expect(self.messages(frames) == ["[1]"])
        #expect(frames.last == .oversized(limit: 16, .newline))
    }

    @Test func lineOfExactlyTheLimitPassesEvenWithCRLF() throws {
        let line = String(repeating: "7", count: 16)
        let frames = try self.decode(Array((line + "\r\n").utf8), limit: 16, byteByByte: true)
        #expect(self.messages(frames) == [line])
    }

    @Test(arguments: [true, false])
    func contentLengthOverTheLimitIsRefusedFromTheHeader(byteByByte: Bool) throws {
        let frames = try self.decode(Array("Content-Length: 17\r\n\r\n{\"a\":\"0123456789\"}".utf8), limit: 16, byteByByte: byteByByte)
        #expect(frames == [.oversized(limit: 16, .contentLength)])
    }

    @Test(arguments: ["Content-Length: abc\r\n\r\n", "Content-Length: 1\r\nContent-Length: 1\r\n\r\nx", "Content-Length:\r\nbroken header\r\n\r\n"])
    func malformedHeadersAreReported(input: String) throws {
        let frames = try self.decode(Array(input.utf8), byteByByte: true)
        #expect(frames.count == 1)
        if case .malformedHeader = frames.first {} else { Issue.record("expected malformedHeader, got \(frames)") }
    }

    @Test func headerBlockWithoutEndIsCapped() throws {
        let input = "Content-Length: 5\r\nX-Padding: " + String(repeating: "p", count: 2000)
        let frames = try self.decode(Array(input.utf8), byteByByte: false)
        if case .malformedHeader = frames.first {} else { Issue.record("expected malformedHeader, got \(frames)") }
    }

    @Test func shortPrefixThatIsNotAHeaderFallsBackToNewlineAtEOF() throws {
        let frames = try self.decode(Array("Con".utf8), byteByByte: true)
        #expect(self.messages(frames) == ["Con"])
    }
}
