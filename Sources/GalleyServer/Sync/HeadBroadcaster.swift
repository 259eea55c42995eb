import Synchronization

/// Tells subscribed connections that the head moved. Each subscriber holds a stream that keeps
/// only the newest head, so a slow subscriber sees fewer, never stale, notifications.
final class HeadBroadcaster: Sendable {
    private let subscribers = Mutex<[Int: AsyncStream<Int64>.Continuation]>([:])

    /// A stream of new heads for connection `id` (replacing any earlier subscription of it).
    func subscribe(_ id: Int) -> AsyncStream<Int64> {
        let (stream, continuation) = AsyncStream<Int64>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let previous = self.subscribers.withLock { subscribers in
            defer { subscribers[id] = continuation }
            return subscribers[id]
        }
        previous?.finish()
        return stream
    }

    func unsubscribe(_ id: Int) {
        self.subscribers.withLock { $0.removeValue(forKey: id) }?.finish()
    }

    var subscriberCount: Int { self.subscribers.withLock { $0.count } }

    /// Called after every durable commit with the new head.
    func publish(head: Int64) {
        let continuations = self.subscribers.withLock { Array($0.values) }
        for continuation in continuations { continuation.yield(head) }
    }
}
