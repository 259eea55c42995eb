import GalleyModel
import JSONRPC

/// A changeset as submitted, ready for the committer.
public struct ChangesetSubmission: Sendable {
    /// The client's UUID: the idempotency key (lowercase).
    public var id: String
    public var message: String
    public var ops: [ChangesetOp]
    /// `{message, ops}` exactly as the client sent them: a retry must send the same content.
    public var submitted: JSONValue
    public var author: String
    public var dryRun: Bool

    public init(id: String, message: String, ops: [ChangesetOp], submitted: JSONValue, author: String, dryRun: Bool) {
        self.id = id
        self.message = message
        self.ops = ops
        self.submitted = submitted
        self.author = author
        self.dryRun = dryRun
    }
}

/// What committing a changeset produced (or, for a dry run, would have produced).
public struct CommitRecord: Sendable {
    /// Nil for a dry run.
    public var seq: Int64?
    public var id: String
    public var committedAt: String?
    public var author: String
    public var message: String
    /// True when the same changeset had been committed before: nothing changed now.
    public var replayed: Bool
    public var dryRun: Bool
    public var results: [JSONValue]

    public init(seq: Int64?, id: String, committedAt: String?, author: String, message: String, replayed: Bool, dryRun: Bool, results: [JSONValue]) {
        self.seq = seq
        self.id = id
        self.committedAt = committedAt
        self.author = author
        self.message = message
        self.replayed = replayed
        self.dryRun = dryRun
        self.results = results
    }

    public var json: JSONValue {
        .object([
            "seq": self.seq.map { .number(JSONNumber(Int($0))) } ?? .null,
            "id": .string(self.id),
            "committedAt": self.committedAt.map { .string($0) } ?? .null,
            "author": .string(self.author),
            "replayed": .bool(self.replayed),
            "dryRun": .bool(self.dryRun),
            "results": .array(self.results),
        ])
    }
}

/// A committed changeset as `changeset.get` shows it.
public struct ChangesetRecord: Sendable {
    public var seq: Int64
    public var id: String
    public var message: String
    public var author: String
    public var committedAt: String
    public var ops: [JSONValue]
    public var results: [JSONValue]

    public init(seq: Int64, id: String, message: String, author: String, committedAt: String, ops: [JSONValue], results: [JSONValue]) {
        self.seq = seq
        self.id = id
        self.message = message
        self.author = author
        self.committedAt = committedAt
        self.ops = ops
        self.results = results
    }
}

/// Filters of `article.list`.
public struct ArticleFilter: Sendable {
    public var section: String?
    public var status: String?
    public var tag: String?
    public var query: String?
    public var updatedAfter: String?
    public var limit: Int
    /// Resume after this (seq, id), newest first.
    public var after: (seq: Int64, id: String)?

    public init(section: String? = nil, status: String? = nil, tag: String? = nil, query: String? = nil, updatedAfter: String? = nil, limit: Int = 50, after: (seq: Int64, id: String)? = nil) {
        self.section = section
        self.status = status
        self.tag = tag
        self.query = query
        self.updatedAfter = updatedAfter
        self.limit = limit
        self.after = after
    }
}

/// Filters of `changeset.list`.
public struct ChangesetFilter: Sendable {
    public var after: Int64?
    public var before: Int64?
    public var author: String?
    public var entityID: String?
    public var limit: Int

    public init(after: Int64? = nil, before: Int64? = nil, author: String? = nil, entityID: String? = nil, limit: Int = 50) {
        self.after = after
        self.before = before
        self.author = author
        self.entityID = entityID
        self.limit = limit
    }
}

/// One line of an entity's history.
public struct HistoryEntry: Sendable {
    public var version: Int
    public var seq: Int64
    public var changesetID: String
    public var author: String
    public var message: String
    public var committedAt: String
    public var op: String
    public var fields: [String]

    public init(version: Int, seq: Int64, changesetID: String, author: String, message: String, committedAt: String, op: String, fields: [String]) {
        self.version = version
        self.seq = seq
        self.changesetID = changesetID
        self.author = author
        self.message = message
        self.committedAt = committedAt
        self.op = op
        self.fields = fields
    }
}

/// A live article that uses a media entity.
public struct MediaUse: Sendable {
    public var articleID: String
    public var slug: String
    public var headline: String
    public var status: String
    public var role: String

    public init(articleID: String, slug: String, headline: String, status: String, role: String) {
        self.articleID = articleID
        self.slug = slug
        self.headline = headline
        self.status = status
        self.role = role
    }
}

/// An entity's current row without its document: enough to answer "which version is current,
/// is it deleted" before anything is parsed.
public struct EntityHead: Sendable, Hashable {
    public var type: EntityType
    public var version: Int
    public var deleted: Bool

    public init(type: EntityType, version: Int, deleted: Bool) {
        self.type = type
        self.version = version
        self.deleted = deleted
    }
}

/// What a reply the reader already holds for one entity version showed besides that version:
/// the media its document names as `leadMediaId` and that media's version then (nil when there
/// was no such entity). A version never changes, so only the lead media can make it stale.
public struct HeldReply: Sendable, Hashable {
    public var leadMediaID: String?
    public var leadMediaVersion: Int?

    public init(leadMediaID: String?, leadMediaVersion: Int?) {
        self.leadMediaID = leadMediaID
        self.leadMediaVersion = leadMediaVersion
    }
}

/// The outcome of ``ContentStorage/readEntity(_:version:withLeadMedia:held:)``, all from one
/// transaction.
public struct EntityRead: Sendable {
    /// The entity's current row; nil when no entity has that id.
    public var current: EntityHead?
    /// The reply the reader holds for the version served, when it is still what the reader would
    /// build: then `state` and `leadMedia` are nil and no document was read.
    public var currentHeldReply: HeldReply?
    /// The entity now or at the version asked; nil when reused, or when that version does not exist.
    public var state: EntityState?
    /// The current state of the media `state` names as `leadMediaId` (asked for and found only).
    public var leadMedia: EntityState?

    public init(current: EntityHead?, currentHeldReply: HeldReply? = nil, state: EntityState? = nil, leadMedia: EntityState? = nil) {
        self.current = current
        self.currentHeldReply = currentHeldReply
        self.state = state
        self.leadMedia = leadMedia
    }
}

/// The content half of the store: changesets in, entities and history out. SQLite implements it
/// today; the PostgreSQL store will too.
public protocol ContentStorage: Sendable {
    /// Commits (or dry-runs) a changeset atomically and durably; replays return the original
    /// record. Throws ``ChangesetError`` when a rule refuses it.
    func commit(_ submission: ChangesetSubmission) async throws -> CommitRecord
    /// An entity now (deleted ones included), or at `version`.
    func entity(_ id: String, version: Int?) async throws -> EntityState?
    /// What a read method serves, in one transaction: the entity's current row, then (unless the
    /// reply `held` returns for the version served, `version` or the current one, is still current)
    /// the entity at that version and, with `withLeadMedia`, the current state of its lead media.
    func readEntity(_ id: String, version: Int?, withLeadMedia: Bool, held: @Sendable (Int) -> HeldReply?) async throws -> EntityRead
    func liveArticleID(slug: String) async throws -> String?
    /// Any article (live or deleted, newest first) that held `slug`.
    func anyArticleID(slug: String) async throws -> String?
    /// Live article summaries, newest change first.
    func listArticles(_ filter: ArticleFilter) async throws -> [JSONObject]
    func history(_ id: String, limit: Int, beforeVersion: Int?) async throws -> [HistoryEntry]
    func listMedia(query: String?, kind: String?, limit: Int, after: (seq: Int64, id: String)?) async throws -> [EntityState]
    func mediaUsage(_ mediaID: String) async throws -> [MediaUse]
    /// Live links from (`outbound`) or to an article, in position order.
    func links(of articleID: String, outbound: Bool) async throws -> [EntityState]
    /// Summaries (`id, slug, headline, status`) of live or deleted articles by id.
    func articleSummaries(_ ids: [String]) async throws -> [String: JSONObject]
    func changeset(seq: Int64?, id: String?) async throws -> ChangesetRecord?
    func listChangesets(_ filter: ChangesetFilter) async throws -> [ChangesetRecord]
    /// What a committed changeset did to each entity, for revert.
    func producedVersions(seq: Int64) async throws -> [ProducedVersions]
    /// Plans the ops that revert changeset `seq` against the current content.
    func revertOps(seq: Int64, force: Bool) async throws -> [ChangesetOp]
    /// One page of the snapshot of every entity live at `head`, in (type, id) order.
    func snapshotPage(at head: Int64, after: (type: EntityType, id: String)?, limit: Int) async throws -> SyncPage
    /// One page of the change log after changeset `after`, never splitting a changeset.
    func logPage(after: Int64, limit: Int) async throws -> SyncPage
}
