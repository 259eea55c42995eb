import NIOCore
import Synchronization

/// Writes the requests of one connection. Used only on that connection's event loop, so it
/// needs no locking; it is made there by a `@Sendable` factory.
protocol RequestSource: AnyObject {
    /// Writes the request with JSON-RPC id `id` for in-flight `slot` (one newline-framed
    /// message), or returns false when this source has nothing more to send.
    func writeRequest(id: Int, slot: Int, into buffer: inout ByteBuffer) -> Bool
}

/// Builds newline-framed JSON-RPC requests without going through a JSON value: a fixed head,
/// the id's digits, and a tail prepared once (method and params).
enum RequestBytes {
    static let head = Array(#"{"jsonrpc":"2.0","id":"#.utf8)

    /// `,"method":"METHOD","params":PARAMS}\n`, the part of a request after its id.
    static func tail(method: String, params: String?) -> [UInt8] {
        var text = #","method":""# + method + "\""
        if let params { text += #","params":"# + params }
        return Array((text + "}\n").utf8)
    }

    static func write(id: Int, tail: [UInt8], into buffer: inout ByteBuffer) {
        buffer.writeBytes(Self.head)
        Self.writeDigits(id, into: &buffer)
        buffer.writeBytes(tail)
    }

    static func writeDigits(_ value: Int, into buffer: inout ByteBuffer) {
        precondition(value >= 0)
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        var remaining = value
        var count = 0
        withUnsafeMutableBytes(of: &digits) { storage in
            repeat {
                storage[19 - count] = UInt8(ascii: "0") + UInt8(remaining % 10)
                remaining /= 10
                count += 1
            } while remaining > 0
            buffer.writeBytes(UnsafeRawBufferPointer(rebasing: storage[(20 - count)...]))
        }
    }
}

/// The same request again and again (`server.ping`).
final class RepeatingSource: RequestSource {
    private let tail: [UInt8]

    init(method: String, params: String? = nil) {
        self.tail = RequestBytes.tail(method: method, params: params)
    }

    func writeRequest(id: Int, slot: Int, into buffer: inout ByteBuffer) -> Bool {
        RequestBytes.write(id: id, tail: self.tail, into: &buffer)
        return true
    }
}

/// One of a fixed set of prepared requests, picked at random each time (`article.get` over the
/// seeded ids).
final class RandomPickSource: RequestSource {
    private let tails: [[UInt8]]
    private var random: SeededGenerator

    init(tails: [[UInt8]], seed: UInt64) {
        self.tails = tails
        self.random = SeededGenerator(seed: seed)
    }

    func writeRequest(id: Int, slot: Int, into buffer: inout ByteBuffer) -> Bool {
        let index = Int(self.random.next() % UInt64(self.tails.count))
        RequestBytes.write(id: id, tail: self.tails[index], into: &buffer)
        return true
    }
}

/// A numbered list of work items shared by every connection of a run: each connection takes
/// the next number until they are all taken. Used for seeding.
final class WorkQueue: Sendable {
    let count: Int
    private let next = Atomic<Int>(0)

    init(count: Int) {
        self.count = count
    }

    /// The next item's number, or nil when every item is taken.
    func take() -> Int? {
        let taken = self.next.add(1, ordering: .relaxed).oldValue
        return taken < self.count ? taken : nil
    }
}

/// Seeding: each request is item `n` of a shared ``WorkQueue``, its params written by `params`.
final class QueueSource: RequestSource {
    private let queue: WorkQueue
    private let tailForItem: @Sendable (Int) -> [UInt8]

    init(queue: WorkQueue, tailForItem: @escaping @Sendable (Int) -> [UInt8]) {
        self.queue = queue
        self.tailForItem = tailForItem
    }

    func writeRequest(id: Int, slot: Int, into buffer: inout ByteBuffer) -> Bool {
        guard let item = self.queue.take() else { return false }
        RequestBytes.write(id: id, tail: self.tailForItem(item), into: &buffer)
        return true
    }
}
