import GalleyModel
import NIOConcurrencyHelpers

/// The writer's memory of entities it committed recently, parsed, so the next edit of the same
/// entity need not read and parse its 6-10 KB document again (that was ~6% of the writer's time
/// per one-op edit, galley-bench write, BENCHMARKS.md).
///
/// Only committed states enter it, after their transaction's COMMIT, and an entry is used only
/// when the entity's head still names that version. A committed `(id, version)` never changes:
/// a version that was rolled back never got here, so no number can stand for two documents.
/// Hand-written because no listed package has an LRU map; it is a dictionary with use stamps.
final class CommittedStateCache: Sendable {
    private struct Storage {
        var states: [String: (state: EntityState, used: UInt64)] = [:]
        var clock: UInt64 = 0
    }

    let capacity: Int
    private let storage = NIOLockedValueBox(Storage())

    init(capacity: Int) {
        self.capacity = capacity
    }

    /// The cached state of `id` if it is at `version`.
    func state(_ id: String, version: Int) -> EntityState? {
        self.storage.withLockedValue { storage in
            guard let entry = storage.states[id], entry.state.version == version else { return nil }
            storage.clock += 1
            storage.states[id]?.used = storage.clock
            return entry.state
        }
    }

    /// Remembers states a transaction has just committed; the least recently used quarter goes
    /// when the cache is full.
    func remember(_ states: [EntityState]) {
        guard self.capacity > 0, !states.isEmpty else { return }
        self.storage.withLockedValue { storage in
            for state in states {
                storage.clock += 1
                storage.states[state.id] = (state, storage.clock)
            }
            guard storage.states.count > self.capacity else { return }
            let keep = self.capacity - self.capacity / 4
            let cutoff = storage.states.values.map(\.used).sorted(by: >)[keep - 1]
            storage.states = storage.states.filter { $0.value.used >= cutoff }
        }
    }

    var count: Int { self.storage.withLockedValue { $0.states.count } }
}
