import Foundation
import GalleyModel
@testable import GalleyServer
import GalleyStore
import GalleyTestSupport
import JSONRPC
import NIOConcurrencyHelpers
import Testing

/// The bound and the eviction order of the kept read results.
@Suite struct ReadReplyCacheTests {
    private func entry(_ text: String, lead: String? = nil, leadVersion: Int? = nil) -> ReadReplyCache.Entry {
        ReadReplyCache.Entry(held: HeldReply(leadMediaID: lead, leadMediaVersion: leadVersion), result: EncodedJSON(.string(text)))
    }

    private func key(_ id: String, _ version: Int = 1) -> ReadReplyCache.Key {
        ReadReplyCache.Key(id: id, version: version)
    }

    /// What one test entry with a 100-character text costs.
    private let cost = 102 + 1 + ReadReplyCache.overheadBytes

    @Test func keepsWhatFitsAndDropsTheLeastRecentlyUsedFirst() {
        let cache = ReadReplyCache(capacityBytes: 3 * self.cost)
        let text = String(repeating: "x", count: 100)
        for id in ["a", "b", "c"] { cache.keep(self.entry(text), for: self.key(id)) }
        #expect(cache.usage.count == 3)
        #expect(cache.usage.bytes == 3 * self.cost)
        _ = cache.held(self.key("a"))
        cache.keep(self.entry(text), for: self.key("d"))
        #expect(cache.entry(self.key("b")) == nil, "b was used least recently")
        #expect(cache.entry(self.key("a")) != nil)
        #expect(cache.entry(self.key("c")) != nil)
        #expect(cache.entry(self.key("d")) != nil)
        #expect(cache.usage.bytes <= cache.capacityBytes)
    }

    @Test func aNewEntryForTheSameVersionReplacesTheOld() {
        let cache = ReadReplyCache(capacityBytes: 1 << 20)
        cache.keep(self.entry("old", lead: "m", leadVersion: 1), for: self.key("a"))
        cache.keep(self.entry("new", lead: "m", leadVersion: 2), for: self.key("a"))
        #expect(cache.usage.count == 1)
        #expect(cache.held(self.key("a")) == HeldReply(leadMediaID: "m", leadMediaVersion: 2))
        #expect(cache.entry(self.key("a"))?.result == EncodedJSON(.string("new")))
        #expect(cache.entry(self.key("a", 2)) == nil, "versions are kept apart")
    }

    @Test func aZeroCapacityOrAnOversizedEntryKeepsNothing() {
        let none = ReadReplyCache(capacityBytes: 0)
        none.keep(self.entry("x"), for: self.key("a"))
        #expect(none.usage.count == 0)
        let small = ReadReplyCache(capacityBytes: self.cost - 1)
        small.keep(self.entry(String(repeating: "x", count: 100)), for: self.key("a"))
        #expect(small.usage.count == 0)
    }

    @Test func evictingEverythingAndRefillingReusesSlots() {
        // Ids of four characters, three more than the ones `cost` counts.
        let cache = ReadReplyCache(capacityBytes: 2 * (self.cost + 3))
        let text = String(repeating: "y", count: 100)
        for round in 10..<60 { cache.keep(self.entry(text), for: self.key("id\(round)")) }
        #expect(cache.usage.count == 2)
        #expect(cache.entry(self.key("id59")) != nil)
        #expect(cache.entry(self.key("id58")) != nil)
        #expect(cache.entry(self.key("id57")) == nil)
    }

    // MARK: Current results, known from the store's change announcements

    /// A cache following a real embedded store (which tells of every change it commits).
    private func withFollowingCache(capacityBytes: Int = 1 << 20, _ body: (ReadReplyCache) async throws -> Void) async throws {
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        let store = try SQLiteStore(directory: directory, logger: TestServer.quietLogger)
        let cache = ReadReplyCache(capacityBytes: capacityBytes)
        cache.follow(store)
        try await body(cache)
        try await store.close()
    }

    /// Keeps `text` for (id, 1) and marks it current as a read that started at `generation` would.
    private func read(_ cache: ReadReplyCache, _ id: String, _ text: String, lead: String? = nil, since generation: ReadReplyCache.Generation?) {
        let entry = self.entry(text, lead: lead, leadVersion: lead == nil ? nil : 1)
        cache.keep(entry, for: self.key(id))
        cache.markCurrent(self.key(id), type: .article, held: entry.held, since: generation)
    }

    @Test func withoutAStoreThatTellsEveryChangeNothingIsServedAsCurrent() {
        let cache = ReadReplyCache(capacityBytes: 1 << 20)
        #expect(cache.startRead() == nil)
        self.read(cache, "a", "A", since: cache.startRead())
        #expect(cache.currentResult(id: "a", type: .article) == nil)
        #expect(cache.entry(self.key("a")) != nil, "the result is still kept for revalidated reads")
    }

    @Test func aResultStaysCurrentUntilItsEntityChanges() async throws {
        try await self.withFollowingCache { cache in
            self.read(cache, "a", "A", since: cache.startRead())
            self.read(cache, "b", "B", since: cache.startRead())
            #expect(cache.currentResult(id: "a", type: .article) == EncodedJSON(.string("A")))
            #expect(cache.currentResult(id: "a", type: .media) == nil, "an article id is no media")
            cache.willCommit(changing: ["a"])
            #expect(cache.currentResult(id: "a", type: .article) == nil, "a change is announced before COMMIT")
            cache.didCommit()
            #expect(cache.currentResult(id: "a", type: .article) == nil)
            #expect(cache.currentResult(id: "b", type: .article) == EncodedJSON(.string("B")), "other entities stay current")
        }
    }

    @Test func aReadThatAWriteOverlappedIsNotMarkedCurrent() async throws {
        try await self.withFollowingCache { cache in
            // The write changes another entity, but the read cannot tell what its snapshot saw.
            let before = cache.startRead()
            cache.willCommit(changing: ["x"])
            cache.didCommit()
            self.read(cache, "a", "A", since: before)
            #expect(cache.currentResult(id: "a", type: .article) == nil)
            // Started while a transaction was between its announcement and its end.
            cache.willCommit(changing: ["y"])
            let during = cache.startRead()
            self.read(cache, "a", "A", since: during)
            #expect(cache.currentResult(id: "a", type: .article) == nil)
            cache.didCommit()
            self.read(cache, "a", "A", since: during)
            #expect(cache.currentResult(id: "a", type: .article) == nil)
            self.read(cache, "a", "A", since: cache.startRead())
            #expect(cache.currentResult(id: "a", type: .article) == EncodedJSON(.string("A")))
        }
    }

    @Test func aChangeToTheLeadMediaUnmarksTheArticlesShowingIt() async throws {
        try await self.withFollowingCache { cache in
            self.read(cache, "a", "A", lead: "m", since: cache.startRead())
            self.read(cache, "b", "B", lead: "m", since: cache.startRead())
            self.read(cache, "c", "C", lead: "n", since: cache.startRead())
            cache.willCommit(changing: ["m"])
            cache.didCommit()
            #expect(cache.currentResult(id: "a", type: .article) == nil)
            #expect(cache.currentResult(id: "b", type: .article) == nil)
            #expect(cache.currentResult(id: "c", type: .article) == EncodedJSON(.string("C")))
            #expect(cache.currentCount == 1)
        }
    }

    @Test func anEvictedOrReplacedResultIsNoLongerCurrent() async throws {
        try await self.withFollowingCache(capacityBytes: 2 * self.cost) { cache in
            let text = String(repeating: "x", count: 100)
            self.read(cache, "a", text, since: cache.startRead())
            self.read(cache, "b", text, since: cache.startRead())
            self.read(cache, "c", text, since: cache.startRead())
            #expect(cache.currentResult(id: "a", type: .article) == nil, "a was evicted")
            #expect(cache.currentCount == 2)
            // An older read replaces b's entry with what another lead media version showed.
            cache.keep(self.entry(text, lead: "m", leadVersion: 1), for: self.key("b"))
            #expect(cache.currentResult(id: "b", type: .article) == nil)
            #expect(cache.currentResult(id: "c", type: .article) != nil)
        }
    }

    @Test func theEmbeddedStoreAnnouncesEachCommitsEntitiesBeforeAnsweringIt() async throws {
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        let store = try SQLiteStore(directory: directory, logger: TestServer.quietLogger)
        let observer = RecordingObserver()
        #expect(store.observeEntityChanges(observer))
        let story = "00000000-0000-7000-9000-000000000001"
        let photo = "00000000-0000-7000-9000-000000000002"
        let first = try Self.submission([
            ["op": "create", "type": "media", "id": .string(photo), "data": ["kind": "image", "uri": "https://example.org/quay.jpg", "caption": "Quay"]],
            ["op": "create", "type": "article", "id": .string(story), "data": ["headline": "Quayside", "leadMediaId": .string(photo)]],
        ])
        _ = try await store.commit(first)
        #expect(observer.events == ["will \(story),\(photo)", "did"])
        // A replay, a dry run and a refused changeset change nothing: nothing is announced.
        _ = try await store.commit(first)
        var dry = try Self.submission([["op": "update", "type": "article", "id": .string(story), "set": ["headline": "Dry"]]])
        dry.dryRun = true
        _ = try await store.commit(dry)
        await #expect(throws: (any Error).self) {
            try await store.commit(try Self.submission([["op": "update", "type": "article", "id": "00000000-0000-7000-9000-000000000009", "set": ["headline": "No"]]]))
        }
        #expect(observer.events.count == 2)
        _ = try await store.commit(try Self.submission([["op": "update", "type": "media", "id": .string(photo), "set": ["caption": "Pier"]]]))
        #expect(observer.events.suffix(2) == ["will \(photo)", "did"])
        try await store.close()
    }

    private static func submission(_ ops: [JSONValue]) throws -> ChangesetSubmission {
        let parsed = try ops.enumerated().map { index, op in try ChangesetOp.parse(op, index: index).get() }
        return ChangesetSubmission(
            id: UUID().uuidString.lowercased(), message: "test", ops: parsed, submitted: ["ops": .array(ops)], author: "test", dryRun: false
        )
    }
}

/// Records the announcements a store makes, in order.
private final class RecordingObserver: EntityChangeObserver {
    private let recorded = NIOLockedValueBox<[String]>([])
    var events: [String] { self.recorded.withLockedValue { $0 } }
    func willCommit(changing ids: [String]) { self.recorded.withLockedValue { $0.append("will " + ids.sorted().joined(separator: ",")) } }
    func didCommit() { self.recorded.withLockedValue { $0.append("did") } }
}
