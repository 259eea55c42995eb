import NIOCore

/// Splits a byte stream into JSON-RPC messages, detecting the framing from the first bytes
/// (`Content-Length:` selects header framing, anything else newline framing) and capping every
/// message at `maximumMessageBytes`.
///
/// It knows bytes, not JSON: a malformed JSON line is still a message (the processor answers it).
/// After an oversized message or a malformed header it discards the rest of the stream, so the
/// connection can send its error and close cleanly without buffering an attacker's bytes.
public struct FrameDecoder: ByteToMessageDecoder {
    public typealias InboundOut = InboundFrame

    enum State {
        case detecting
        case newline(scanned: Int)
        case headers
        case payload(length: Int)
        case discarding
    }

    /// The longest message accepted, in bytes (framing not counted).
    public let maximumMessageBytes: Int
    /// The longest header block accepted under `Content-Length` framing.
    public static let maximumHeaderBytes = 1024
    private(set) var state: State = .detecting

    private static let contentLengthPrefix = Array("content-length:".utf8)

    public init(maximumMessageBytes: Int) {
        precondition(maximumMessageBytes > 0, "maximumMessageBytes must be positive")
        self.maximumMessageBytes = maximumMessageBytes
    }

    public mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        switch try self.next(&buffer, atEOF: false) {
        case .some(let frame):
            context.fireChannelRead(Self.wrapInboundOut(frame))
            return .continue
        case .none:
            return .needMoreData
        }
    }

    public mutating func decodeLast(
        context: ChannelHandlerContext,
        buffer: inout ByteBuffer,
        seenEOF: Bool
    ) throws -> DecodingState {
        while let frame = try self.next(&buffer, atEOF: true) {
            context.fireChannelRead(Self.wrapInboundOut(frame))
        }
        return .needMoreData
    }

    /// The next frame in `buffer`, consuming its bytes, or nil when more bytes are needed.
    /// At EOF a final line without a newline is still a message. `package` for the frame fuzzer,
    /// which drives the decoder without a channel.
    package mutating func next(_ buffer: inout ByteBuffer, atEOF: Bool) throws -> InboundFrame? {
        while true {
            switch self.state {
            case .detecting:
                let view = buffer.readableBytesView
                let prefix = Self.contentLengthPrefix
                let compared = min(view.count, prefix.count)
                var matches = true
                for (offset, byte) in view.prefix(compared).enumerated() where Self.lowercased(byte) != prefix[offset] {
                    matches = false
                    break
                }
                if !matches {
                    self.state = .newline(scanned: 0)
                } else if compared == prefix.count {
                    self.state = .headers
                } else if atEOF {
                    self.state = .newline(scanned: 0)
                } else {
                    return nil
                }

            case .newline(let scanned):
                let view = buffer.readableBytesView
                guard let newline = view.dropFirst(scanned).firstIndex(of: UInt8(ascii: "\n")) else {
                    // A message of exactly the limit may still be followed by "\r\n".
                    if view.count > self.maximumMessageBytes + 1 {
                        return self.oversized(&buffer, framing: .newline)
                    }
                    if atEOF {
                        guard !view.isEmpty else { return nil }
                        let line = Self.trimmingCarriageReturn(buffer.readSlice(length: view.count)!)
                        if Self.isBlank(line) { return nil }
                        if line.readableBytes > self.maximumMessageBytes {
                            return self.oversized(&buffer, framing: .newline)
                        }
                        return .message(line, .newline)
                    }
                    self.state = .newline(scanned: view.count)
                    return nil
                }
                let lineLength = newline - view.startIndex
                var line = buffer.readSlice(length: lineLength)!
                buffer.moveReaderIndex(forwardBy: 1)
                self.state = .newline(scanned: 0)
                line = Self.trimmingCarriageReturn(line)
                if line.readableBytes > self.maximumMessageBytes {
                    return self.oversized(&buffer, framing: .newline)
                }
                if Self.isBlank(line) { continue }
                return .message(line, .newline)

            case .headers:
                let view = buffer.readableBytesView
                guard let end = Self.endOfHeaders(view) else {
                    if view.count > Self.maximumHeaderBytes {
                        return self.malformed(&buffer, "the header block is longer than \(Self.maximumHeaderBytes) bytes")
                    }
                    if atEOF, !view.isEmpty {
                        return self.malformed(&buffer, "the connection ended inside a header block")
                    }
                    return nil
                }
                let block = Array(buffer.readBytes(length: end.headerLength) ?? [])
                buffer.moveReaderIndex(forwardBy: end.terminatorLength)
                switch Self.contentLength(inHeaderBlock: block) {
                case .failure(let reason):
                    return self.malformed(&buffer, reason.description)
                case .success(let length):
                    if length > self.maximumMessageBytes {
                        return self.oversized(&buffer, framing: .contentLength)
                    }
                    self.state = .payload(length: length)
                }

            case .payload(let length):
                guard buffer.readableBytes >= length else {
                    if atEOF, buffer.readableBytes > 0 {
                        return self.malformed(&buffer, "the connection ended \(length - buffer.readableBytes) bytes short of the announced Content-Length")
                    }
                    return nil
                }
                let payload = buffer.readSlice(length: length)!
                self.state = .headers
                return .message(payload, .contentLength)

            case .discarding:
                buffer.moveReaderIndex(to: buffer.writerIndex)
                return nil
            }
        }
    }

    private mutating func oversized(_ buffer: inout ByteBuffer, framing: Framing) -> InboundFrame {
        self.state = .discarding
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .oversized(limit: self.maximumMessageBytes, framing)
    }

    private mutating func malformed(_ buffer: inout ByteBuffer, _ reason: String) -> InboundFrame {
        self.state = .discarding
        buffer.moveReaderIndex(to: buffer.writerIndex)
        return .malformedHeader(reason)
    }

    private static func lowercased(_ byte: UInt8) -> UInt8 {
        (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z")) ? byte + 32 : byte
    }

    private static func trimmingCarriageReturn(_ line: ByteBuffer) -> ByteBuffer {
        var line = line
        if line.readableBytesView.last == UInt8(ascii: "\r") {
            line.moveWriterIndex(to: line.writerIndex - 1)
        }
        return line
    }

    private static func isBlank(_ line: ByteBuffer) -> Bool {
        line.readableBytesView.allSatisfy { $0 == UInt8(ascii: " ") || $0 == UInt8(ascii: "\t") || $0 == UInt8(ascii: "\r") }
    }

    /// The end of the header block: an empty line, written `\r\n\r\n` (or `\n\n`, tolerated).
    private static func endOfHeaders(_ view: ByteBufferView) -> (headerLength: Int, terminatorLength: Int)? {
        var index = view.startIndex
        var lineStart = index
        while index < view.endIndex {
            if view[index] == UInt8(ascii: "\n") {
                let lineBytes = view[lineStart..<index]
                if lineBytes.isEmpty || (lineBytes.count == 1 && lineBytes.first == UInt8(ascii: "\r")) {
                    return (lineStart - view.startIndex, index + 1 - lineStart)
                }
                lineStart = index + 1
            }
            index += 1
        }
        return nil
    }

    /// The `Content-Length` of a header block (other headers, such as `Content-Type`, are ignored).
    /// Works on bytes: in a Swift `String`, `"\r\n"` is one character and would not split on `"\n"`.
    static func contentLength(inHeaderBlock block: [UInt8]) -> Result<Int, HeaderError> {
        var length: Int? = nil
        for rawLine in block.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: true) {
            let line = rawLine.last == UInt8(ascii: "\r") ? rawLine.dropLast() : rawLine
            let text = String(decoding: line, as: UTF8.self)
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else {
                return .failure(HeaderError("header line without a colon: \(text.prefix(80))"))
            }
            let name = String(decoding: line[..<colon], as: UTF8.self).lowercased()
            let value = String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingSpaces()
            if name == "content-length" {
                guard length == nil else { return .failure(HeaderError("Content-Length appears twice")) }
                guard !value.isEmpty, value.count <= 18, value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }), let parsed = Int(value)
                else {
                    return .failure(HeaderError("Content-Length must be a decimal number of bytes, not \"\(value.prefix(40))\""))
                }
                length = parsed
            }
        }
        guard let length else { return .failure(HeaderError("the header block has no Content-Length")) }
        return .success(length)
    }

    struct HeaderError: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }
}

extension String {
    fileprivate func trimmingSpaces() -> Substring {
        var result = Substring(self)
        while let first = result.first, first == " " || first == "\t" { result = result.dropFirst() }
        while let last = result.last, last == " " || last == "\t" { result = result.dropLast() }
        return result
    }
}
