import NIOCore

/// How messages are delimited on one connection. Chosen by the first bytes a client sends and kept
/// for the life of the connection; replies use the same framing.
public enum Framing: Sendable, Hashable {
    /// One JSON text per line, ended by `\n` (a `\r` before it is tolerated).
    case newline
    /// LSP-style: `Content-Length: N` headers, a blank line, then exactly N bytes.
    case contentLength

    /// Appends `payload` to `buffer` framed for this connection.
    public func write(_ payload: some Collection<UInt8>, into buffer: inout ByteBuffer) {
        switch self {
        case .newline:
            buffer.writeBytes(payload)
            buffer.writeInteger(UInt8(ascii: "\n"))
        case .contentLength:
            buffer.writeString("Content-Length: \(payload.count)\r\n\r\n")
            buffer.writeBytes(payload)
        }
    }

    /// A new buffer holding `payload` framed for this connection.
    public func frame(_ payload: some Collection<UInt8>, allocator: ByteBufferAllocator) -> ByteBuffer {
        var buffer = allocator.buffer(capacity: payload.count + 32)
        self.write(payload, into: &buffer)
        return buffer
    }
}

/// What the frame decoder hands on: a whole message, or the reason the stream cannot go on.
public enum InboundFrame: Sendable, Equatable {
    /// One complete message (the JSON text, without framing).
    case message(ByteBuffer, Framing)
    /// A message longer than the limit; everything after it is discarded.
    case oversized(limit: Int, Framing)
    /// Header framing that cannot be read; everything after it is discarded.
    case malformedHeader(String)
}
