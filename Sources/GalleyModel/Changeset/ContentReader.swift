/// What the applier needs to know about committed content. The SQLite store answers from inside
/// its write transaction (so earlier changesets of the same batch are visible); tests and the
/// fuzzer answer from memory.
public protocol ContentReader {
    /// The current state of an entity, deleted ones included; nil when it never existed.
    func entity(_ id: String) throws -> EntityState?
    /// The entity as it was at `version`.
    func entity(_ id: String, version: Int) throws -> EntityState?
    /// Every field path changed by the versions after `version`.
    func fieldsChanged(_ id: String, after version: Int) throws -> Set<String>
    /// The live article holding `slug`.
    func liveArticleID(slug: String) throws -> String?
    /// The live links from or to an article.
    func liveLinkIDs(touching articleID: String) throws -> [String]
    /// The live links from an article: id, target and position.
    func liveOutboundLinks(from articleID: String) throws -> [(id: String, toID: String, position: Int)]
    /// The live articles whose lead or body uses a media entity.
    func liveArticlesUsingMedia(_ mediaID: String) throws -> [String]
    /// The type of the entity when it exists and is not deleted. The integrity checks ask this
    /// of every link's articles and every media an article uses: a store that can answer
    /// without reading the document should (``entity(_:)`` is the default).
    func liveType(_ id: String) throws -> EntityType?
}

extension ContentReader {
    public func liveType(_ id: String) throws -> EntityType? {
        try self.entity(id).flatMap { $0.deleted ? nil : $0.type }
    }
}
