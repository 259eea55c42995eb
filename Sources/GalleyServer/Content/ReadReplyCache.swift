import GalleyModel
import GalleyStore
import JSONRPC
import NIOConcurrencyHelpers

/// The encoded results of `article.get` and `media.get`, by entity id and version, each with the
/// lead media version it showed, bounded by their total size (least recently used go first).
///
/// An entity version never changes, so a kept result is stale only when the article's lead media
/// moved on; `SQLiteStore.readEntity` checks that with one indexed lookup before serving it.
///
/// When the store tells of every change it commits (``follow(_:)``; the embedded SQLite store
/// does, a PostgreSQL store that other instances share does not), the cache also knows which
/// kept result is each entity's *current* one, and a read of the current state is answered from
/// memory without a store transaction. The store announces each transaction's changed entities
/// before its COMMIT (their current marks go, and none is set until it ended) and its end before
/// anyone is acknowledged; a read marks its result current only if no transaction was announced
/// between the moment it started and the moment it marks (``Generation``). So a mark is never
/// older than the newest acknowledged change, and a reader sees its own acknowledged writes.
final class ReadReplyCache: EntityChangeObserver {
    struct Key: Hashable, Sendable {
        var id: String
        var version: Int
    }

    struct Entry: Sendable {
        var held: HeldReply
        var result: EncodedJSON
    }

    /// Taken when a read starts (``startRead()``); a result may be marked current only if no
    /// write transaction was announced since.
    struct Generation: Sendable, Equatable {
        fileprivate var value: UInt64
    }

    /// What an entry costs beyond its text (key, slot, dictionary entry), roughly.
    static let overheadBytes = 160

    let capacityBytes: Int
    private let state: NIOLockedValueBox<State>

    init(capacityBytes: Int) {
        self.capacityBytes = max(0, capacityBytes)
        self.state = NIOLockedValueBox(State())
    }

    /// Asks `store` to tell this cache of every change; from then on current results are known
    /// when the store can promise that.
    func follow(_ store: any GalleyStorage) {
        guard self.capacityBytes > 0, store.observeEntityChanges(self) else { return }
        self.state.withLockedValue { $0.followsChanges = true }
    }

    /// What the kept result for that version showed, marking it recently used.
    func held(_ key: Key) -> HeldReply? {
        self.state.withLockedValue { $0.lru.touch(key)?.held }
    }

    /// The kept result for that version, marking it recently used.
    func entry(_ key: Key) -> Entry? {
        self.state.withLockedValue { $0.lru.touch(key) }
    }

    /// Keeps `entry` (replacing one of the same key), dropping the least recently used entries
    /// until the total fits. An entry larger than the whole capacity is not kept.
    func keep(_ entry: Entry, for key: Key) {
        let cost = entry.result.bytes.count + key.id.utf8.count + Self.overheadBytes
        guard cost <= self.capacityBytes else { return }
        self.state.withLockedValue { state in
            state.lru.insert(entry, for: key, cost: cost)
            while state.lru.totalCost > self.capacityBytes {
                guard let evicted = state.lru.removeOldest() else { break }
                if state.current[evicted.id]?.version == evicted.version { state.unmark(evicted.id) }
            }
        }
    }

    /// The current result of entity `id` of `type`, when one is known: the reply to a read of
    /// the entity as it is now, answered without the store.
    func currentResult(id: String, type: EntityType) -> EncodedJSON? {
        self.state.withLockedValue { state in
            guard let mark = state.current[id], mark.type == type else { return nil }
            guard let entry = state.lru.touch(Key(id: id, version: mark.version)), entry.held == mark.held else {
                state.unmark(id)
                return nil
            }
            return entry.result
        }
    }

    /// Where a read of the current state starts; nil when current results are not tracked.
    func startRead() -> Generation? {
        self.state.withLockedValue { $0.followsChanges ? Generation(value: $0.generation) : nil }
    }

    /// Marks the kept result of `key` that showed `held` as the entity's current one, unless a
    /// write transaction was announced since `generation` (the read may have seen the state
    /// before it) or the entry went meanwhile.
    func markCurrent(_ key: Key, type: EntityType, held: HeldReply, since generation: Generation?) {
        guard let generation else { return }
        self.state.withLockedValue { state in
            guard state.generation == generation.value, state.openTransactions == 0,
                state.lru.peek(key)?.held == held
            else { return }
            state.mark(key, type: type, held: held)
        }
    }

    func willCommit(changing ids: [String]) {
        self.state.withLockedValue { state in
            state.generation &+= 1
            state.openTransactions += 1
            for id in ids {
                state.unmark(id)
                // Articles whose current result shows this media as their lead.
                if let articles = state.currentByLeadMedia[id] {
                    for article in articles { state.unmark(article) }
                }
            }
        }
    }

    func didCommit() {
        self.state.withLockedValue { state in
            state.generation &+= 1
            state.openTransactions -= 1
        }
    }

    /// The number of entries and their total cost in bytes.
    var usage: (count: Int, bytes: Int) {
        self.state.withLockedValue { ($0.lru.count, $0.lru.totalCost) }
    }

    /// The number of entities whose current result is known.
    var currentCount: Int {
        self.state.withLockedValue { $0.current.count }
    }
}

/// The kept results and the marks of the current ones, under one lock.
private struct State {
    struct CurrentMark {
        var version: Int
        var type: EntityType
        var held: HeldReply
    }

    var lru = LeastRecentlyUsed()
    var followsChanges = false
    /// Bumped at every announcement and end of a write transaction.
    var generation: UInt64 = 0
    /// Transactions announced and not yet ended (at most one: SQLite has one writer).
    var openTransactions = 0
    /// Entity id to the version (and lead media) of its current kept result.
    var current: [String: CurrentMark] = [:]
    /// Lead media id to the articles whose current mark shows it.
    var currentByLeadMedia: [String: Set<String>] = [:]

    mutating func mark(_ key: ReadReplyCache.Key, type: EntityType, held: HeldReply) {
        self.unmark(key.id)
        self.current[key.id] = CurrentMark(version: key.version, type: type, held: held)
        if let media = held.leadMediaID { self.currentByLeadMedia[media, default: []].insert(key.id) }
    }

    mutating func unmark(_ id: String) {
        guard let mark = self.current.removeValue(forKey: id), let media = mark.held.leadMediaID else { return }
        self.currentByLeadMedia[media]?.remove(id)
        if self.currentByLeadMedia[media]?.isEmpty == true { self.currentByLeadMedia[media] = nil }
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

    /// The entry, without marking it used.
    func peek(_ key: ReadReplyCache.Key) -> ReadReplyCache.Entry? {
        self.positions[key].flatMap { self.slots[$0].entry }
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

    /// Drops the least recently used entry and returns its key.
    mutating func removeOldest() -> ReadReplyCache.Key? {
        guard let oldest = self.oldest else { return nil }
        let key = self.slots[oldest].key
        self.remove(oldest)
        return key
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
