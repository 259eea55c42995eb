import GalleyModel
import GalleyStore
import JSONRPC

/// Finding the entity a read names: by `id` (or an article's `slug`), now or at `version`.
/// A deleted entity's current state is not found unless `includeDeleted`.
enum EntityLookup {
    /// The entity the params name, as it is now or was at `version`.
    static func resolve(_ params: JSONValue, type: EntityType, context: MethodContext) async throws -> EntityState {
        let (id, read) = try await self.read(params, type: type, withLeadMedia: false, held: { _, _ in nil }, context: context)
        guard let state = read.state else { throw GalleyError.notFound(type.rawValue, id) }
        return state
    }

    /// One store read for the entity the params name (see ``ContentStorage/readEntity(_:version:withLeadMedia:held:)``),
    /// with the not-found errors of every read method thrown here. When it returns, `state` is set
    /// unless `currentHeldReply` is.
    static func read(
        _ params: JSONValue,
        type: EntityType,
        withLeadMedia: Bool,
        held: @escaping @Sendable (_ id: String, _ version: Int) -> HeldReply?,
        context: MethodContext
    ) async throws -> (id: String, read: EntityRead) {
        let version = ContentWrites.int(params, "version")
        let includeDeleted = ContentWrites.bool(params, "includeDeleted")
        let id = try await self.id(params, type: type, anyArticle: version != nil || includeDeleted, context: context)
        let read = try await context.store.readEntity(id, version: version, withLeadMedia: withLeadMedia) { held(id, $0) }
        guard let current = read.current, current.type == type else {
            throw GalleyError.notFound(type.rawValue, id)
        }
        if let version {
            guard read.state != nil || read.currentHeldReply != nil else {
                throw GalleyError(
                    .notFound,
                    kind: "not_found",
                    "\(type.rawValue) \(id) has no version \(version) (current: \(current.version))",
                    details: ["entity": .string(type.rawValue), "id": .string(id), "version": .number(JSONNumber(version)), "currentVersion": .number(JSONNumber(current.version))]
                )
            }
        } else if current.deleted && !includeDeleted {
            throw GalleyError(
                .notFound,
                kind: "not_found",
                "\(type.rawValue) \(id) was deleted (pass includeDeleted or a version to read it)",
                details: ["entity": .string(type.rawValue), "id": .string(id), "deleted": true]
            )
        }
        return (id, read)
    }

    /// The id the params give, or the id of the article holding `slug` (a former holder too
    /// when `anyArticle`).
    private static func id(_ params: JSONValue, type: EntityType, anyArticle: Bool, context: MethodContext) async throws -> String {
        if let given = ContentWrites.string(params, "id") { return given.lowercased() }
        guard type == .article, let slug = ContentWrites.string(params, "slug") else {
            throw JSONRPCError.invalidParams([(path: "", message: type == .article ? "give id or slug" : "id is required")])
        }
        let found = anyArticle ? try await context.store.anyArticleID(slug: slug) : try await context.store.liveArticleID(slug: slug)
        guard let found else {
            throw GalleyError(.notFound, kind: "not_found", "No article with slug \(slug)", details: ["entity": "article", "slug": .string(slug)])
        }
        return found
    }
}

/// The results of `article.get` and `media.get`, kept encoded in the server's ``ReadReplyCache``:
/// a read of an entity's current state whose result the cache knows to be current is answered
/// from memory; any other repeated read of an unchanged entity costs one transaction with two
/// indexed lookups and a copy of the kept text, instead of parsing the stored document and
/// writing it again.
enum EntityReplies {
    static func reply(_ params: JSONValue, type: EntityType, context: MethodContext) async throws -> JSONResult {
        let cache = context.server.readReplies
        let version = ContentWrites.int(params, "version")
        let readsCurrentState = version == nil && !ContentWrites.bool(params, "includeDeleted")
        if readsCurrentState, let id = ContentWrites.string(params, "id"),
            let result = cache.currentResult(id: id.lowercased(), type: type)
        {
            return .encoded(result)
        }
        // Taken before the store read: if a write is announced meanwhile, what this read saw
        // may be older than it, and is not marked current.
        let generation = readsCurrentState ? cache.startRead() : nil
        let (id, read) = try await EntityLookup.read(
            params,
            type: type,
            withLeadMedia: type == .article,
            held: { id, version in cache.held(ReadReplyCache.Key(id: id, version: version)) },
            context: context
        )
        guard let held = read.currentHeldReply, let current = read.current else {
            return .encoded(try self.keep(read, type: type, id: id, cache: cache, generation: generation))
        }
        let key = ReadReplyCache.Key(id: id, version: version ?? current.version)
        if let entry = cache.entry(key), entry.held == held {
            cache.markCurrent(key, type: type, held: held, since: generation)
            return .encoded(entry.result)
        }
        // Another request replaced or evicted the entry after the store checked it: read in full.
        let (_, full) = try await EntityLookup.read(params, type: type, withLeadMedia: type == .article, held: { _, _ in nil }, context: context)
        return .encoded(try self.keep(full, type: type, id: id, cache: cache, generation: generation))
    }

    /// An entity as clients read it; an article that names a lead media carries that media's
    /// current state (null when it is missing or deleted).
    static func json(_ state: EntityState, leadMedia: EntityState?) -> JSONObject {
        var object = state.wireJSON
        if state.type == .article, state.data["leadMediaId"]?.stringValue != nil {
            object["leadMedia"] = leadMedia.flatMap { $0.deleted ? nil : JSONValue.object($0.wireJSON) } ?? .null
        }
        return object
    }

    /// Writes the result of a full read once and keeps it with the lead media version it shows.
    /// With `generation` (a read of the current state), also marks it the entity's current result.
    private static func keep(
        _ read: EntityRead,
        type: EntityType,
        id: String,
        cache: ReadReplyCache,
        generation: ReadReplyCache.Generation?
    ) throws -> EncodedJSON {
        guard let state = read.state else { throw GalleyError.notFound(type.rawValue, id) }
        let result = EncodedJSON(.object(self.json(state, leadMedia: read.leadMedia)))
        let leadMediaID = type == .article ? state.data["leadMediaId"]?.stringValue?.lowercased() : nil
        let held = HeldReply(leadMediaID: leadMediaID, leadMediaVersion: read.leadMedia?.version)
        let key = ReadReplyCache.Key(id: state.id, version: state.version)
        cache.keep(ReadReplyCache.Entry(held: held, result: result), for: key)
        cache.markCurrent(key, type: type, held: held, since: generation)
        return result
    }
}
