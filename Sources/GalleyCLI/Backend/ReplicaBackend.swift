import Foundation
import GalleyModel
import GalleySync
import JSONRPC

/// The content of a local replica (`galley clone`): reads come from the local view (the server's
/// state as last pulled, with local edits on top), writes are checked by the server's own model
/// rules and queued to the outbox for `galley push`/`sync`. Works with no network at all.
///
/// What only the server has (version history, committed changesets by `seq`, revert) is refused
/// with a message that names the online command; the outbox stands in for `changeset list/show`
/// (queued changesets by id).
public final class ReplicaBackend: ContentBackend {
    public let location: String
    let replica: Replica

    public init(replica: Replica) {
        self.replica = replica
        self.location = "the replica at \(replica.directory) (of \(replica.settings.server))"
    }

    /// Opens the replica at `directory`.
    public static func open(at directory: String) throws -> ReplicaBackend {
        try Self.mapping { ReplicaBackend(replica: try Replica.open(at: directory)) }
    }

    // MARK: Reading

    public func article(_ reference: String, version: Int?) async throws -> JSONObject {
        let state = try self.resolveArticle(reference)
        try self.check(version: version, of: state)
        return try self.present(state)
    }

    public func articles(_ filter: ArticleFilter, cursor: String?) async throws -> Page {
        let offset = try Self.offset(cursor)
        let local = LocalArticleFilter(section: filter.section, status: filter.status, tag: filter.tag, updatedAfter: filter.updatedAfter)
        guard let query = filter.query else {
            let states = try Self.mapping { try self.replica.articles(local, limit: filter.pageSize + 1, offset: offset) }
            return Self.page(states.map(Self.summary), pageSize: filter.pageSize, offset: offset)
        }
        // No full-text index in the replica: the matcher reads every article the other filters
        // leave (a laptop's archive is read in well under a second per 10,000 articles).
        let search = LocalTextSearch(query)
        let matching = try Self.mapping { try self.replica.articles(local, limit: Int.max, offset: 0) }
            .filter { search.matches(LocalTextSearch.articleText($0.data)) }
        let window = Array(matching.dropFirst(offset).prefix(filter.pageSize + 1))
        return Self.page(window.map(Self.summary), pageSize: filter.pageSize, offset: offset)
    }

    public func articleHistory(_ reference: String, cursor: String?) async throws -> Page {
        _ = try self.resolveArticle(reference)
        throw CLIError.usage(
            "the replica keeps each article's current state, not its history; ask the server: galley article history \(reference) --server \(self.replica.settings.server)"
        )
    }

    public func media(id: String, version: Int?) async throws -> JSONObject {
        let state = try self.live(id, type: .media)
        try self.check(version: version, of: state)
        return state.wireJSON
    }

    public func mediaItems(_ filter: MediaFilter, cursor: String?) async throws -> Page {
        let offset = try Self.offset(cursor)
        guard let query = filter.query else {
            let states = try Self.mapping { try self.replica.media(kind: filter.kind, limit: filter.pageSize + 1, offset: offset) }
            return Self.page(states.map(\.wireJSON), pageSize: filter.pageSize, offset: offset)
        }
        let search = LocalTextSearch(query)
        let matching = try Self.mapping { try self.replica.media(kind: filter.kind, limit: Int.max, offset: 0) }
            .filter { search.matches(LocalTextSearch.mediaText($0.data)) }
        let window = Array(matching.dropFirst(offset).prefix(filter.pageSize + 1))
        return Self.page(window.map(\.wireJSON), pageSize: filter.pageSize, offset: offset)
    }

    public func mediaUsage(id: String) async throws -> [JSONObject] {
        let media = try self.any(id, type: .media)
        let articles = try Self.mapping { try self.replica.articlesUsing(media: media.id) }
        var uses: [JSONObject] = []
        for article in articles {
            let summary = Self.reference(article)
            if article.data["leadMediaId"]?.stringValue?.lowercased() == media.id {
                uses.append(summary.merging(["role": "lead"]))
            }
            let inBody = (article.data["body"]?.arrayValue ?? []).contains {
                $0["type"] == "media" && $0["mediaId"]?.stringValue?.lowercased() == media.id
            }
            if inBody { uses.append(summary.merging(["role": "body"])) }
        }
        return uses
    }

    public func links(articleID: String, inbound: Bool) async throws -> [JSONObject] {
        let article = try self.any(articleID, type: .article)
        let links = try Self.mapping { try self.replica.links(of: article.id, outbound: !inbound) }
        return try links.map { link in
            var item = link.wireJSON
            let other = link.data[inbound ? "fromId" : "toId"]?.stringValue?.lowercased() ?? ""
            if let state = try Self.mapping({ try self.replica.entity(other) }), state.type == .article {
                item["article"] = .object(Self.reference(state))
            } else {
                item["article"] = .null
            }
            return item
        }
    }

    /// A queued changeset by id (the outbox); committed changesets and `seq`s live on the server.
    public func changeset(seq: Int?, id: String?) async throws -> JSONObject? {
        if seq != nil {
            throw CLIError.usage(
                "changeset numbers are the server's; the replica has its queued changesets by id (galley changeset list). Ask the server: --server \(self.replica.settings.server)"
            )
        }
        guard let id, let queued = try Self.mapping({ try self.replica.outboxChangeset(id: id) }) else { return nil }
        return Self.json(queued, full: true)
    }

    /// The outbox: changesets queued here and not yet applied by the server, oldest first.
    public func changesets(_ filter: ChangesetFilter, cursor: String?) async throws -> Page {
        if filter.after != nil || filter.before != nil || filter.author != nil {
            throw CLIError.usage(
                "the replica lists its queued changesets only (no --after, --before or --author); ask the server: --server \(self.replica.settings.server)"
            )
        }
        var queued = try Self.mapping { try self.replica.outbox() }
        if let entityID = filter.entityID?.lowercased() {
            queued = queued.filter { $0.ops.contains { $0.entityID == entityID } }
        }
        let offset = try Self.offset(cursor)
        let window = Array(queued.dropFirst(offset).prefix(filter.pageSize + 1))
        return Self.page(window.map { Self.json($0, full: false) }, pageSize: filter.pageSize, offset: offset)
    }

    /// The local view's live entities, as `sync.pull` items, consistent at the replica's last pull.
    public func snapshot(cursor: String?) async throws -> SnapshotPage {
        var after: (type: EntityType, id: String)?
        if let cursor {
            let parts = cursor.split(separator: ".", maxSplits: 1).map(String.init)
            guard parts.count == 2, let type = EntityType(rawValue: parts[0]) else { throw CLIError.usage("not a replica export cursor: \(cursor)") }
            after = (type, parts[1])
        }
        let limit = 1000
        let states = try Self.mapping { try self.replica.entityPage(after: after, limit: limit) }
        let head = try Self.mapping { try self.replica.position().consistentAt } ?? 0
        let items: [JSONObject] = states.map { state in
            [
                "type": .string(state.type.rawValue),
                "id": .string(state.id),
                "version": .number(JSONNumber(state.version)),
                "seq": .number(JSONNumber(Int(state.seq))),
                "deleted": false,
                "data": .object(state.data),
            ]
        }
        let next = states.count == limit ? states.last.map { "\($0.type.rawValue).\($0.id)" } : nil
        return SnapshotPage(items: items, nextCursor: next, head: Int(head))
    }

    // MARK: Writing

    /// Applies the changeset to the local view and queues it (or, with `dryRun`, only checks it).
    /// The answer has the shape of `changeset.commit`'s with `seq: null` and `queued: true`.
    ///
    /// An op's `baseVersion` is the version the caller read from this replica. It must still be the
    /// local version (a `galley sync --watch` beside an `article edit` may have pulled a newer one
    /// meanwhile): otherwise the answer is the same `-32009` a server gives a stale read. The
    /// outbox then records the server version the local state is based on, as every replica edit.
    public func commit(_ changeset: ChangesetRequest) async throws -> JSONObject {
        let ops = try changeset.ops.map(self.checkingBaseVersion)
        let edit = try Self.mapping {
            try self.replica.commit(message: changeset.message, ops: ops, changesetID: changeset.id, dryRun: changeset.dryRun)
        }
        var result: JSONObject = [
            "id": .string(edit.changesetID),
            "seq": .null,
            "queued": true,
            "results": .array(edit.results),
        ]
        if edit.replayed { result["replayed"] = true }
        if edit.dryRun {
            result["dryRun"] = true
            result["queued"] = false
        }
        return result
    }

    public func revert(seq: Int, id: String, message: String?, force: Bool) async throws -> JSONObject {
        throw CLIError.usage(
            "reverting needs the server's history of changeset \(seq); run it online: galley changeset revert \(seq) --server \(self.replica.settings.server) (then galley pull)"
        )
    }

    public func close() async {
        try? self.replica.close()
    }

    // MARK: Helpers

    /// The op without its `baseVersion`, once that is checked against the local version.
    private func checkingBaseVersion(_ op: JSONValue) throws -> JSONValue {
        guard var object = op.objectValue, let base = object["baseVersion"] else { return op }
        object["baseVersion"] = nil
        guard let baseVersion = base.intValue, let id = object["id"]?.stringValue,
            let current = try Self.mapping({ try self.replica.entity(id) })
        else { return .object(object) }
        if baseVersion != current.version {
            let type = object["type"]?.stringValue ?? current.type.rawValue
            throw JSONRPCError(
                code: -32009,
                message: "\(type) \(current.id) changed in the replica since version \(baseVersion) was read (now based on \(current.version))",
                data: [
                    "kind": "conflict",
                    "conflicts": [
                        [
                            "type": .string(type), "id": .string(current.id), "reason": "field_changed",
                            "baseVersion": .number(JSONNumber(baseVersion)), "currentVersion": .number(JSONNumber(current.version)),
                        ]
                    ],
                ]
            )
        }
        return .object(object)
    }

    /// A live article by id or slug, or the API's not-found error.
    private func resolveArticle(_ reference: String) throws -> EntityState {
        if ContentRules.isUUID(reference) { return try self.live(reference, type: .article) }
        guard let id = try Self.mapping({ try self.replica.articleID(slug: reference) }) else {
            throw JSONRPCError(
                code: -32004,
                message: "No article with slug \(reference) in \(self.location)",
                data: ["kind": "not_found", "entity": "article", "slug": .string(reference)]
            )
        }
        return try self.live(id, type: .article)
    }

    private func any(_ id: String, type: EntityType) throws -> EntityState {
        guard let state = try Self.mapping({ try self.replica.entity(id) }), state.type == type else {
            throw JSONRPCError(
                code: -32004,
                message: "No \(type.rawValue) \(id.lowercased()) in \(self.location)",
                data: ["kind": "not_found", "entity": .string(type.rawValue), "id": .string(id.lowercased())]
            )
        }
        return state
    }

    private func live(_ id: String, type: EntityType) throws -> EntityState {
        let state = try self.any(id, type: type)
        if state.deleted {
            throw JSONRPCError(
                code: -32004,
                message: "\(type.rawValue) \(state.id) was deleted in \(self.location)",
                data: ["kind": "not_found", "entity": .string(type.rawValue), "id": .string(state.id), "deleted": true]
            )
        }
        return state
    }

    /// Only the current state is kept: asking for another version names the online command.
    private func check(version: Int?, of state: EntityState) throws {
        guard let version, version != state.version else { return }
        throw CLIError.usage(
            "the replica keeps only the current state of \(state.type.rawValue) \(state.id) (based on server version \(state.version)); ask the server for version \(version): --server \(self.replica.settings.server)"
        )
    }

    /// An article as `article.get` answers, with its lead media's local state.
    private func present(_ state: EntityState) throws -> JSONObject {
        var object = state.wireJSON
        if let leadID = state.data["leadMediaId"]?.stringValue {
            let media = try Self.mapping { try self.replica.entity(leadID.lowercased()) }
            object["leadMedia"] = media.flatMap { $0.deleted ? nil : JSONValue.object($0.wireJSON) } ?? .null
        }
        return object
    }

    /// An article as `link.list` and `media.usage` name it: `{id, slug, headline, status}`, and
    /// `deleted` for a tombstone (media usage lists live articles only).
    static func reference(_ state: EntityState) -> JSONObject {
        var reference: JSONObject = [
            "id": .string(state.id),
            "slug": state.data["slug"] ?? .null,
            "headline": state.data["headline"] ?? .null,
            "status": state.data["status"] ?? .null,
        ]
        if state.deleted { reference["deleted"] = true }
        return reference
    }

    /// An `article.list` item.
    static func summary(_ state: EntityState) -> JSONObject {
        let data = Derivations.presenting(state.data, type: .article)
        return [
            "id": .string(state.id),
            "slug": data["slug"] ?? .null,
            "headline": data["headline"] ?? .null,
            "subheadline": data["subheadline"] ?? .null,
            "section": data["section"] ?? .null,
            "status": data["status"] ?? .null,
            "tags": data["tags"] ?? .array([]),
            "publishedAt": data["publishedAt"] ?? .null,
            "leadMediaId": data["leadMediaId"] ?? .null,
            "readingMinutes": data["readingMinutes"] ?? .null,
            "version": .number(JSONNumber(state.version)),
            "seq": .number(JSONNumber(Int(state.seq))),
            "updatedAt": .string(state.updatedAt),
        ]
    }

    /// A queued changeset in `changeset.get`'s shape, with its queue status instead of a `seq`.
    static func json(_ queued: OutboxChangeset, full: Bool) -> JSONObject {
        var object: JSONObject = [
            "seq": .null,
            "id": .string(queued.id),
            "message": .string(queued.message),
            "author": "local",
            "committedAt": .null,
            "queuedAt": .string(queued.createdAt),
            "status": .string(queued.status.rawValue),
        ]
        if let error = queued.error { object["error"] = error }
        if full {
            object["ops"] = .array(queued.ops.map(\.json))
        } else {
            object["opCount"] = .number(JSONNumber(queued.ops.count))
        }
        return object
    }

    /// Replica cursors are offsets: the local view changes only by this user's own commands.
    private static func offset(_ cursor: String?) throws -> Int {
        guard let cursor else { return 0 }
        guard cursor.hasPrefix("o."), let offset = Int(cursor.dropFirst(2)), offset >= 0 else {
            throw CLIError.usage("not a replica list cursor: \(cursor)")
        }
        return offset
    }

    private static func page(_ items: [JSONObject], pageSize: Int, offset: Int) -> Page {
        let more = items.count > pageSize
        return Page(items: Array(items.prefix(pageSize)), nextCursor: more ? "o.\(offset + pageSize)" : nil)
    }

    /// Runs a replica call, turning its errors into the CLI's: a refused edit is the API error the
    /// server would answer; the rest say what is wrong with the replica.
    static func mapping<T>(_ body: () throws -> T) throws -> T {
        do {
            return try body()
        } catch let error as ReplicaError {
            switch error {
            case .refused(let rpcError): throw rpcError
            case .notAReplica, .noSuchConflict, .invalidResolution, .noToken: throw CLIError.usage(error.description)
            case .alreadyExists, .unusable, .schemaTooNew: throw CLIError.server(error.description)
            case .certificateChanged: throw CLIError.cannotConnect(error.description)
            }
        }
    }
}

extension JSONObject {
    fileprivate func merging(_ other: JSONObject) -> JSONObject {
        var copy = self
        for (key, value) in other { copy[key] = value }
        return copy
    }
}
