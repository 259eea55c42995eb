import NIOConcurrencyHelpers

/// Group commit without a background task, shared by the SQLite and PostgreSQL committers: the
/// first submitter to find the queue idle becomes the writer and keeps handing batches (at most
/// `maximumBatch` requests) to `commit` until the queue is empty; whoever arrives meanwhile just
/// waits for its turn in the next batch. `commit` must resume every request of its batch.
package final class GroupCommitQueue<Item: Sendable, Output: Sendable>: Sendable {
    /// One submitted item and the caller waiting for its outcome.
    package struct Request: Sendable {
        package let item: Item
        fileprivate let continuation: CheckedContinuation<Output, any Error>

        package func resume(with outcome: Result<Output, any Error>) {
            self.continuation.resume(with: outcome)
        }
    }

    private struct State {
        var queue: [Request] = []
        var writing = false
    }

    private let state = NIOLockedValueBox(State())
    package let maximumBatch: Int
    private let commit: @Sendable ([Request]) async -> Void

    package init(maximumBatch: Int, commit: @escaping @Sendable ([Request]) async -> Void) {
        self.maximumBatch = max(1, maximumBatch)
        self.commit = commit
    }

    package func submit(_ item: Item) async throws -> Output {
        try await withCheckedThrowingContinuation { continuation in
            let becomeWriter = self.state.withLockedValue { state -> Bool in
                state.queue.append(Request(item: item, continuation: continuation))
                if state.writing { return false }
                state.writing = true
                return true
            }
            if becomeWriter {
                Task { await self.drain() }
            }
        }
    }

    /// Commits batches until nothing is queued.
    private func drain() async {
        while true {
            let batch = self.state.withLockedValue { state -> [Request] in
                let count = min(state.queue.count, self.maximumBatch)
                let batch = Array(state.queue.prefix(count))
                state.queue.removeFirst(count)
                if batch.isEmpty { state.writing = false }
                return batch
            }
            if batch.isEmpty { return }
            await self.commit(batch)
        }
    }
}

/// A weak reference to keep under a lock (a callback that must not keep its owner alive).
package struct WeakReference<Object: AnyObject & Sendable>: Sendable {
    package weak var value: Object?

    package init() {}
}
