import Foundation
import JSONRPC

/// Where the commands read and write content. The CLI is written against this protocol only, so
/// the same commands run online (``OnlineBackend``: committed directly on galleyd) and, once the
/// sync client is merged, inside a replica (reads from the local copy, writes queued to the
/// outbox). Results are the API's wire shapes (``JSONObject``s as `API/galley.openrpc.json` gives
/// them); failures are the API's ``JSONRPCError``s (a replica refuses with the same codes, since it
/// runs the same model rules) or ``CLIError/cannotConnect(_:)``.
public protocol ContentBackend: Sendable {
    /// Where the content lives, for messages: `galleyd at 127.0.0.1:7420`.
    var location: String { get }

    // MARK: Reading

    /// An article now, or at `version` (`article.get`). `reference` is an id or a slug.
    func article(_ reference: String, version: Int?) async throws -> JSONObject
    /// One page of article summaries (`article.list`).
    func articles(_ filter: ArticleFilter, cursor: String?) async throws -> Page
    /// One page of an article's versions, newest first (`article.history`); `reference` is an id or a slug.
    func articleHistory(_ reference: String, cursor: String?) async throws -> Page
    /// A media item now, or at `version` (`media.get`).
    func media(id: String, version: Int?) async throws -> JSONObject
    /// One page of media (`media.list`).
    func mediaItems(_ filter: MediaFilter, cursor: String?) async throws -> Page
    /// The live articles using a media item (`media.usage`).
    func mediaUsage(id: String) async throws -> [JSONObject]
    /// An article's links in position order, outbound or inbound (`link.list`).
    func links(articleID: String, inbound: Bool) async throws -> [JSONObject]
    /// One changeset with its ops, by `seq` or `id` (`changeset.get`); nil when there is none.
    func changeset(seq: Int?, id: String?) async throws -> JSONObject?
    /// One page of changeset summaries, newest first (`changeset.list`).
    func changesets(_ filter: ChangesetFilter, cursor: String?) async throws -> Page
    /// One page of the consistent snapshot of every live entity (`sync.pull` without a cursor,
    /// then its cursors), for export.
    func snapshot(cursor: String?) async throws -> SnapshotPage

    // MARK: Writing

    /// Commits (or, with `dryRun`, checks) one changeset (`changeset.commit`). Online this is
    /// durable on return; in a replica it is queued to the outbox.
    func commit(_ changeset: ChangesetRequest) async throws -> JSONObject
    /// Sends a changeset now and returns a task that waits for its outcome, or nil where the
    /// backend cannot take one changeset while it commits another (then `commit` is used).
    /// Changesets started one after another arrive in that order.
    func startCommit(_ changeset: ChangesetRequest) -> Task<JSONObject, any Error>?
    /// A changeset that undoes changeset `seq` (`changeset.revert`).
    func revert(seq: Int, id: String, message: String?, force: Bool) async throws -> JSONObject

    /// Ends the session (closes the connection or the database).
    func close() async
}

/// One page of a listing, as the API returns it.
public struct Page: Sendable {
    public var items: [JSONObject]
    public var nextCursor: String?

    public init(items: [JSONObject], nextCursor: String?) {
        self.items = items
        self.nextCursor = nextCursor
    }
}

/// One page of a snapshot: entities as `{type, id, version, seq, deleted, data}` (`SyncItem`).
public struct SnapshotPage: Sendable {
    public var items: [JSONObject]
    /// Where the next page starts; nil when this page finished the snapshot.
    public var nextCursor: String?
    /// The changeset number the snapshot is consistent at.
    public var head: Int

    public init(items: [JSONObject], nextCursor: String?, head: Int) {
        self.items = items
        self.nextCursor = nextCursor
        self.head = head
    }
}

/// `article.list` filters; nil means "any".
public struct ArticleFilter: Sendable, Hashable {
    public var section: String?
    public var status: String?
    public var tag: String?
    public var query: String?
    public var updatedAfter: String?
    /// Page size (the API allows 1...500).
    public var pageSize: Int = 100

    public init(section: String? = nil, status: String? = nil, tag: String? = nil, query: String? = nil, updatedAfter: String? = nil) {
        self.section = section
        self.status = status
        self.tag = tag
        self.query = query
        self.updatedAfter = updatedAfter
    }

    var params: JSONObject {
        var params: JSONObject = ["limit": .number(JSONNumber(self.pageSize))]
        if let section { params["section"] = .string(section) }
        if let status { params["status"] = .string(status) }
        if let tag { params["tag"] = .string(tag) }
        if let query { params["q"] = .string(query) }
        if let updatedAfter { params["updatedAfter"] = .string(updatedAfter) }
        return params
    }
}

/// `media.list` filters; nil means "any".
public struct MediaFilter: Sendable, Hashable {
    public var kind: String?
    public var query: String?
    public var pageSize: Int = 100

    public init(kind: String? = nil, query: String? = nil) {
        self.kind = kind
        self.query = query
    }

    var params: JSONObject {
        var params: JSONObject = ["limit": .number(JSONNumber(self.pageSize))]
        if let kind { params["kind"] = .string(kind) }
        if let query { params["q"] = .string(query) }
        return params
    }
}

/// `changeset.list` filters; nil means "any".
public struct ChangesetFilter: Sendable, Hashable {
    public var after: Int?
    public var before: Int?
    public var author: String?
    public var entityID: String?
    public var pageSize: Int = 100

    public init(after: Int? = nil, before: Int? = nil, author: String? = nil, entityID: String? = nil) {
        self.after = after
        self.before = before
        self.author = author
        self.entityID = entityID
    }

    var params: JSONObject {
        var params: JSONObject = ["limit": .number(JSONNumber(self.pageSize))]
        if let after { params["after"] = .number(JSONNumber(after)) }
        if let before { params["before"] = .number(JSONNumber(before)) }
        if let author { params["author"] = .string(author) }
        if let entityID { params["entityId"] = .string(entityID) }
        return params
    }
}

/// A changeset to commit: `{id, message, ops, dryRun}`.
public struct ChangesetRequest: Sendable, Hashable {
    /// The idempotency key: the same id with the same content is a replay.
    public var id: String
    public var message: String
    public var ops: [JSONValue]
    public var dryRun: Bool

    public init(id: String, message: String, ops: [JSONValue], dryRun: Bool = false) {
        self.id = id
        self.message = message
        self.ops = ops
        self.dryRun = dryRun
    }

    var params: JSONObject {
        var params: JSONObject = ["id": .string(self.id), "message": .string(self.message), "ops": .array(self.ops)]
        if self.dryRun { params["dryRun"] = true }
        return params
    }
}

extension ContentBackend {
    /// Every item of a paged listing, page after page (up to `limit` items when given).
    public func all(limit: Int? = nil, _ page: (String?) async throws -> Page) async throws -> [JSONObject] {
        var items: [JSONObject] = []
        var cursor: String?
        repeat {
            let next = try await page(cursor)
            items += next.items
            cursor = next.nextCursor
            if let limit, items.count >= limit { return Array(items.prefix(limit)) }
        } while cursor != nil
        return items
    }

    /// Where nothing else is said: no changeset is sent while another commits.
    public func startCommit(_ changeset: ChangesetRequest) -> Task<JSONObject, any Error>? { nil }
}
