@testable import GalleyServer
import GalleyStore
import JSONRPC
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
}
