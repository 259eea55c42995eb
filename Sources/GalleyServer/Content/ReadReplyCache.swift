import GalleyStore
import JSONRPC
import NIOConcurrencyHelpers

/// The encoded results of `article.get` and `media.get`, by entity id and version, each with the
/// lead media version it showed, bounded by their total size (least recently used go first).
///
/// An entity version never changes, so a kept result is stale only when the article's lead media
/// moved on; `SQLiteStore.readEntity` checks that with one indexed lookup before serving it.
final class ReadReplyCache: Sendable {
    struct Key: Hashable, Sendable {
        var id: String
        var version: Int
    }

    struct Entry: Sendable {
        var held: HeldReply
        var result: EncodedJSON
    }

    /// What an entry costs beyond its text (key, slot, dictionary entry), roughly.
    static let overheadBytes = 160

    let capacityBytes: Int
    private let state: NIOLockedValueBox<LeastRecentlyUsed>

    init(capacityBytes: Int) {
        self.capacityBytes = max(0, capacityBytes)
        self.state = NIOLockedValueBox(LeastRecentlyUsed())
    }

    /// What the kept result for that version showed, marking it recently used.
    func held(_ key: Key) -> HeldReply? {
        self.state.withLockedValue { $0.touch(key)?.held }
    }

    /// The kept result for that version, marking it recently used.
    func entry(_ key: Key) -> Entry? {
        self.state.withLockedValue { $0.touch(key) }
    }

    /// Keeps `entry` (replacing one of the same key), dropping the least recently used entries
    /// until the total fits. An entry larger than the whole capacity is not kept.
    func keep(_ entry: Entry, for key: Key) {
        let cost = entry.result.bytes.count + key.id.utf8.count + Self.overheadBytes
        guard cost <= self.capacityBytes else { return }
        self.state.withLockedValue { lru in
            lru.insert(entry, for: key, cost: cost)
            while lru.totalCost > self.capacityBytes { lru.removeOldest() }
        }
    }

    /// The number of entries and their total cost in bytes.
    var usage: (count: Int, bytes: Int) {
        self.state.withLockedValue { ($0.count, $0.totalCost) }
    }
}

/// A doubly linked recency list threaded through an array of slots, with a dictionary from key to
/// slot: every operation is O(1).
private struct LeastRecentlyUsed {
    private struct Slot {
        var key: ReadReplyCache.Key
        var entry: ReadReplyCache.Entry?
        var cost: Int
        var newer: Int?
        var older: Int?
    }

    private var slots: [Slot] = []
    private var freeSlots: [Int] = []
    private var positions: [ReadReplyCache.Key: Int] = [:]
    private var newest: Int?
    private var oldest: Int?
    private(set) var totalCost = 0

    var count: Int { self.positions.count }

    mutating func touch(_ key: ReadReplyCache.Key) -> ReadReplyCache.Entry? {
        guard let position = self.positions[key] else { return nil }
        self.unlink(position)
        self.linkAsNewest(position)
        return self.slots[position].entry
    }

    mutating func insert(_ entry: ReadReplyCache.Entry, for key: ReadReplyCache.Key, cost: Int) {
        if let position = self.positions[key] { self.remove(position) }
        let slot = Slot(key: key, entry: entry, cost: cost)
        let position: Int
        if let free = self.freeSlots.popLast() {
            position = free
            self.slots[position] = slot
        } else {
            position = self.slots.count
            self.slots.append(slot)
        }
        self.positions[key] = position
        self.totalCost += cost
        self.linkAsNewest(position)
    }

    mutating func removeOldest() {
        if let oldest = self.oldest { self.remove(oldest) }
    }

    private mutating func remove(_ position: Int) {
        self.unlink(position)
        self.positions[self.slots[position].key] = nil
        self.totalCost -= self.slots[position].cost
        self.slots[position].entry = nil
        self.freeSlots.append(position)
    }

    private mutating func unlink(_ position: Int) {
        let (newer, older) = (self.slots[position].newer, self.slots[position].older)
        if let newer { self.slots[newer].older = older } else { self.newest = older }
        if let older { self.slots[older].newer = newer } else { self.oldest = newer }
        self.slots[position].newer = nil
        self.slots[position].older = nil
    }

    private mutating func linkAsNewest(_ position: Int) {
        self.slots[position].older = self.newest
        if let newest = self.newest { self.slots[newest].newer = position }
        self.newest = position
        if self.oldest == nil { self.oldest = position }
    }
}
