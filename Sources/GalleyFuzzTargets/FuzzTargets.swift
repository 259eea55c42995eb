import GalleyModel
import JSONRPC
import JSONRPCTransport
import NIOCore
import NIOEmbedded

/// The code paths that take untrusted bytes, as functions of bytes: libFuzzer drives them from
/// `Fuzz/` (built with `--sanitize=fuzzer`), and `swift test` replays every input that ever
/// crashed one (`Tests/GalleyFuzzTests/Regressions/`). Each checks its own invariants with
/// `precondition`, so a wrong answer is a crash the fuzzer reports, not only a crash of the code.
public enum FuzzTargets {
    /// The JSON parser: never crashes; what it accepts survives a write/parse round trip.
    public static func jsonParser(_ bytes: UnsafeRawBufferPointer) {
        guard let value = try? JSONParser.parse(bytes, maxDepth: 128) else { return }
        let written = JSONWriter.bytes(value)
        let again = try? JSONParser.parse(written, maxDepth: 129)
        precondition(again == value, "JSON round trip changed the value")
    }

    /// The frame decoder fed in chunks whose sizes come from the input: never crashes and never
    /// hands on a message over the limit.
    ///
    /// The decoder is driven directly, the way NIO's `ByteToMessageHandler` drives it (append a
    /// chunk, take frames until it needs more, at EOF take the rest), not through an
    /// `EmbeddedChannel`: a channel pipeline per input made this target ~40 executions a second.
    public static func frameDecoder(_ bytes: UnsafeRawBufferPointer) {
        guard let first = bytes.first else { return }
        let limit = 64
        let chunk = Int(first % 16) + 1
        var decoder = FrameDecoder(maximumMessageBytes: limit)
        var buffer = ByteBuffer()
        var failed = false
        func check(_ frame: InboundFrame) {
            if case .message(let message, _) = frame {
                precondition(message.readableBytes <= limit, "a frame over the limit was handed on")
            }
        }
        var offset = 1
        while offset < bytes.count, !failed {
            let end = min(bytes.count, offset + chunk)
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: bytes[offset..<end]))
            offset = end
            do {
                while let frame = try decoder.next(&buffer, atEOF: false) { check(frame) }
            } catch {
                failed = true
            }
        }
        guard !failed else { return }
        do {
            while let frame = try decoder.next(&buffer, atEOF: true) { check(frame) }
        } catch {
            return
        }
    }

    /// JSON-RPC request reading: never crashes; every element of a batch is classified.
    public static func request(_ bytes: UnsafeRawBufferPointer) {
        guard let value = try? JSONParser.parse(bytes, maxDepth: 128) else { return }
        let elements = value.arrayValue ?? [value]
        for element in elements {
            switch JSONRPCRequest.read(element) {
            case .success(let request):
                precondition(!request.method.isEmpty || request.method == "", "unreachable")
            case .failure(let invalid):
                precondition(invalid.error.code == JSONRPCError.invalidRequestCode, "an invalid request must be -32600")
            }
        }
    }

    /// The changeset validator and applier over in-memory content seeded with a few entities:
    /// never crashes; an accepted changeset yields consecutive versions.
    public static func changeset(_ bytes: UnsafeRawBufferPointer) {
        guard let value = try? JSONParser.parse(bytes, maxDepth: 64), let items = value.arrayValue, items.count <= 64 else { return }
        var ops: [ChangesetOp] = []
        for (index, item) in items.enumerated() {
            guard case .success(let op) = ChangesetOp.parse(item, index: index) else { return }
            ops.append(op)
        }
        var content = Self.seeded
        guard let outcome = try? ChangesetApplier.apply(ops, reader: content, seq: content.head + 1, author: "fuzz", committedAt: "2026-01-01T00:00:00.000Z")
        else { return }
        for write in outcome.writes {
            let previous = (try? content.entity(write.state.id))??.version ?? 0
            precondition(write.state.version >= previous + 1, "a new version must follow the previous one")
        }
        content.commit(outcome, seq: content.head + 1)
    }

    /// A small starting world: two articles linked, one credited photo.
    static let seeded: InMemoryContent = {
        var content = InMemoryContent()
        let ops: [ChangesetOp] = [
            .create(type: .media, id: "00000000-0000-4000-8000-00000000000a", data: ["uri": "m.jpg", "credit": ["creator": "A"]]),
            .create(type: .article, id: "00000000-0000-4000-8000-000000000001", data: ["headline": "One", "leadMediaId": "00000000-0000-4000-8000-00000000000a"]),
            .create(type: .article, id: "00000000-0000-4000-8000-000000000002", data: ["headline": "Two"]),
            .create(type: .link, id: "00000000-0000-4000-8000-0000000000f1", data: ["fromId": "00000000-0000-4000-8000-000000000001", "toId": "00000000-0000-4000-8000-000000000002"]),
        ]
        let outcome = try! ChangesetApplier.apply(ops, reader: content, seq: 1, author: "seed", committedAt: "2026-01-01T00:00:00.000Z")
        content.commit(outcome, seq: 1)
        return content
    }()
}
