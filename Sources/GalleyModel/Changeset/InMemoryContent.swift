import JSONRPC

/// Content kept in memory: a ``ContentReader`` for tests and fuzzing that commits outcomes the
/// way the SQLite store does (every version kept, query facts derived from the final states).
public struct InMemoryContent: ContentReader, Sendable {
    private var versions: [String: [EntityState]] = [:]
    /// The newest changeset applied.
    public private(set) var head: Int64 = 0

    public init() {}

    /// Records an accepted changeset's versions.
    public mutating func commit(_ outcome: ChangesetOutcome, seq: Int64) {
        for write in outcome.writes {
            self.versions[write.state.id, default: []].append(write.state)
        }
        self.fields[seq] = outcome.writes.map { ($0.state.id, $0.state.version, Set($0.fields)) }
        self.head = seq
    }

    private var fields: [Int64: [(String, Int, Set<String>)]] = [:]

    /// Every entity's current state.
    public var entities: [EntityState] { self.versions.values.compactMap(\.last) }

    public func entity(_ id: String) throws -> EntityState? { self.versions[id]?.last }

    public func entity(_ id: String, version: Int) throws -> EntityState? {
        self.versions[id]?.first { $0.version == version }
    }

    public func fieldsChanged(_ id: String, after version: Int) throws -> Set<String> {
        var changed = Set<String>()
        for list in self.fields.values {
            for (entityID, entityVersion, fields) in list where entityID == id && entityVersion > version {
                changed.formUnion(fields)
            }
        }
        return changed
    }

    private var live: [EntityState] { self.entities.filter { !$0.deleted } }

    public func liveArticleID(slug: String) throws -> String? {
        self.live.first { $0.type == .article && $0.data["slug"]?.stringValue == slug }?.id
    }

    public func liveLinkIDs(touching articleID: String) throws -> [String] {
        self.live.filter { $0.type == .link && ($0.data["fromId"]?.stringValue == articleID || $0.data["toId"]?.stringValue == articleID) }
            .map(\.id)
    }

    public func liveOutboundLinks(from articleID: String) throws -> [(id: String, toID: String, position: Int)] {
        self.live.filter { $0.type == .link && $0.data["fromId"]?.stringValue == articleID }
            .map { (id: $0.id, toID: $0.data["toId"]?.stringValue ?? "", position: $0.data["position"]?.intValue ?? 0) }
    }

    public func liveArticlesUsingMedia(_ mediaID: String) throws -> [String] {
        self.live.filter { $0.type == .article && ChangesetApplier.mediaIDs(usedBy: $0.data).contains(mediaID) }.map(\.id)
    }
}
