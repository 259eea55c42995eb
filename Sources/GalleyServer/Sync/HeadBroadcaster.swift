import NIOConcurrencyHelpers

/// Tells subscribed connections that the head moved. Each subscriber holds a stream that keeps
/// only the newest head, so a slow subscriber sees fewer, never stale, notifications.
final class HeadBroadcaster: Sendable {
    private let subscribers = NIOLockedValueBox<[Int: AsyncStream<Int64>.Continuation]>([:])

    /// A stream of new heads for connection `id` (replacing any earlier subscription of it).
    func subscribe(_ id: Int) -> AsyncStream<Int64> {
        let (stream, continuation) = AsyncStream<Int64>.makeStream(bufferingPolicy: .bufferingNewest(1))
        let previous = self.subscribers.withLockedValue { subscribers in
            defer { subscribers[id] = continuation }
            return subscribers[id]
        }
        previous?.finish()
        return stream
    }

    func unsubscribe(_ id: Int) {
        self.subscribers.withLockedValue { $0.removeValue(forKey: id) }?.finish()
    }

    var subscriberCount: Int { self.subscribers.withLockedValue { $0.count } }

    /// The newest head published: heads arrive from this instance's commits and, on a shared
    /// store, from the store's watcher (notifications, polls), so the same head or an older one
    /// can come again and is not sent twice.
    private let newest = NIOLockedValueBox<Int64>(0)

    /// Called after every durable commit with the new head (and by the store's watcher).
    func publish(head: Int64) {
        let isNew = self.newest.withLockedValue { newest in
            guard head > newest else { return false }
            newest = head
            return true
        }
        guard isNew else { return }
        let continuations = self.subscribers.withLockedValue { Array($0.values) }
        for continuation in continuations { continuation.yield(head) }
    }
}
