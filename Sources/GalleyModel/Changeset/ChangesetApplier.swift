import Foundation
import JSONRPC

/// The result of one op: which entity, the version it now has, and whether an update was
/// rebased over others' changes to other fields.
public struct OpResult: Sendable, Hashable {
    public var op: String
    public var type: EntityType
    public var id: String
    public var version: Int
    public var rebased: Bool
    public var cascade: Bool

    public var json: JSONValue {
        .object([
            "op": .string(self.op),
            "type": .string(self.type.rawValue),
            "id": .string(self.id),
            "version": .number(JSONNumber(self.version)),
            "rebased": .bool(self.rebased),
            "cascade": .bool(self.cascade),
        ])
    }
}

/// One new version to write: the entity's state after an op and the fields that op changed.
public struct EntityWrite: Sendable, Hashable {
    public var state: EntityState
    public var op: String
    public var fields: [String]
}

/// What an accepted changeset amounts to: the ops as committed, one result per op, and the
/// versions to write (in op order; several may concern one entity).
public struct ChangesetOutcome: Sendable {
    public var committedOps: [JSONValue]
    public var results: [OpResult]
    public var writes: [EntityWrite]
    /// The state before this changeset of each entity it wrote that existed then, so a store
    /// can leave alone the query rows of fields that did not change.
    public var previousStates: [String: EntityState]

    public init(committedOps: [JSONValue], results: [OpResult], writes: [EntityWrite], previousStates: [String: EntityState] = [:]) {
        self.committedOps = committedOps
        self.results = results
        self.writes = writes
        self.previousStates = previousStates
    }

    /// The final state of each entity the changeset touched.
    public var finalStates: [EntityState] {
        var latest: [String: EntityState] = [:]
        var order: [String] = []
        for write in self.writes {
            if latest[write.state.id] == nil { order.append(write.state.id) }
            latest[write.state.id] = write.state
        }
        return order.compactMap { latest[$0] }
    }
}

/// Applies a changeset's ops to the content a ``ContentReader`` sees, checking every rule:
/// validation, field-level optimistic concurrency, and integrity against the state after the
/// whole changeset. Pure: it reads, decides and returns; the store writes.
public struct ChangesetApplier {
    /// At most this many live links may leave one article.
    public static let maximumOutboundLinks = 50

    public let reader: any ContentReader
    public let seq: Int64
    public let author: String
    public let committedAt: String
    private var working: [String: EntityState] = [:]
    private var writes: [EntityWrite] = []
    private var results: [OpResult] = []
    private var committedOps: [JSONValue] = []
    private var conflicts: [VersionConflict] = []
    /// The op that last touched each entity, for error details.
    private var opIndexByID: [String: Int] = [:]
    /// The links in `working` by the article they leave (`fromId` as written), so finding an
    /// article's links costs its own links, not a scan of every entity the changeset touched:
    /// the scan made a changeset of n links over m entities cost n x m (an import changeset of
    /// 1,500 ops spent most of its check time there).
    private var workingLinksByFrom: [String: Set<String>] = [:]
    /// What the reader answered for each entity asked (nil: none): the state before this
    /// changeset, which cannot change while the applier runs (it writes nothing). An update of
    /// a published article asked for the same 6-10 KB document three times (the op, the base
    /// check, the publish check), and each answer is a parse.
    private let committed = CommittedStates()

    public init(reader: any ContentReader, seq: Int64, author: String, committedAt: String) {
        self.reader = reader
        self.seq = seq
        self.author = author
        self.committedAt = committedAt
    }

    /// Applies `ops` in order and checks the rules; throws the first kind of failure found
    /// (validation before conflicts before integrity), with every instance of that kind.
    public static func apply(
        _ ops: [ChangesetOp],
        reader: any ContentReader,
        seq: Int64,
        author: String,
        committedAt: String
    ) throws(ChangesetError) -> ChangesetOutcome {
        var applier = ChangesetApplier(reader: reader, seq: seq, author: author, committedAt: committedAt)
        var queue = ops.enumerated().map { (index: $0.offset, op: $0.element) }
        var position = 0
        while position < queue.count {
            let (index, op) = queue[position]
            let cascades = try applier.apply(op, index: index)
            queue.append(contentsOf: cascades.map { (index: index, op: $0) })
            position += 1
        }
        if !applier.conflicts.isEmpty { throw .conflict(applier.conflicts) }
        try applier.checkIntegrity()
        var previous: [String: EntityState] = [:]
        for write in applier.writes where previous[write.state.id] == nil {
            if case .some(.some(let state)) = applier.committed.states[write.state.id] { previous[write.state.id] = state }
        }
        return ChangesetOutcome(committedOps: applier.committedOps, results: applier.results, writes: applier.writes, previousStates: previous)
    }

    // MARK: - Ops

    private func current(_ id: String) throws(ChangesetError) -> EntityState? {
        if let state = self.working[id] { return state }
        return try self.committedState(id)
    }

    /// The entity as committed before this changeset, read once.
    private func committedState(_ id: String) throws(ChangesetError) -> EntityState? {
        if let known = self.committed.states[id] { return known }
        let state = try self.read { try self.reader.entity(id) }
        self.committed.states[id] = .some(state)
        return state
    }

    private func read<T>(_ body: () throws -> T) throws(ChangesetError) -> T {
        do {
            return try body()
        } catch let error as ChangesetError {
            throw error
        } catch {
            throw .storage("reading the current content failed: \(error)")
        }
    }

    /// Applies one op; returns the ops it implies (link deletes when an article is deleted).
    private mutating func apply(_ op: ChangesetOp, index: Int) throws(ChangesetError) -> [ChangesetOp] {
        switch op {
        case .create(let type, let givenID, let data):
            let id = givenID ?? UUIDv7.make()
            if let existing = try self.current(id) {
                if existing.deleted {
                    self.conflicts.append(VersionConflict(type: existing.type, id: id, baseVersion: nil, currentVersion: existing.version, reason: .deleted, fields: [], opIndex: index))
                    return []
                }
                throw .integrity(
                    kind: "entity_exists",
                    message: "ops[\(index)] creates \(type.rawValue) \(id), which already exists",
                    details: ["id": .string(id), "type": .string(existing.type.rawValue), "opIndex": .number(JSONNumber(index))]
                )
            }
            var document = ContentRules.applyingDefaults(data, type: type)
            try self.deriveOnWrite(&document, type: type, previous: nil, index: index)
            let state = EntityState(
                type: type, id: id, version: 1, seq: self.seq, deleted: false, data: document,
                createdAt: self.committedAt, updatedAt: self.committedAt, createdBy: self.author, updatedBy: self.author
            )
            self.record(state, op: "create", fields: ContentRules.changedFields(from: nil, to: document, type: type), index: index, rebased: false, cascade: false)
            self.committedOps.append(ChangesetOp.create(type: type, id: id, data: data).committedJSON(id: id))
            return []

        case .update(let type, let id, let baseVersion, let set, let unset):
            guard let existing = try self.current(id) else { throw .notFound(type: type, id: id, opIndex: index) }
            try self.checkType(existing, expected: type, index: index)
            if existing.deleted {
                self.conflicts.append(VersionConflict(type: type, id: id, baseVersion: baseVersion, currentVersion: existing.version, reason: .deleted, fields: [], opIndex: index))
                return []
            }
            var updated = ContentRules.applyUpdate(existing.data, set: set, unset: unset)
            let rebased = try self.checkBase(existing, baseVersion: baseVersion, touched: ContentRules.touchedFields(set: set, unset: unset, type: type), mine: updated, index: index)
            try self.deriveOnWrite(&updated, type: type, previous: existing.data, index: index)
            let problems = ContentRules.validateDocument(updated, type: type, pathPrefix: "ops[\(index)].result", unchangedFrom: existing.data)
            if !problems.isEmpty { throw .validation(problems) }
            self.committedOps.append(op.committedJSON(id: id))
            let fields = ContentRules.changedFields(from: existing.data, to: updated, type: type)
            guard !fields.isEmpty else {
                // Nothing changes: no new version, the result names the current one.
                self.results.append(OpResult(op: "update", type: type, id: id, version: existing.version, rebased: rebased, cascade: false))
                return []
            }
            var state = existing
            state.version += 1
            state.seq = self.seq
            state.data = updated
            state.updatedAt = self.committedAt
            state.updatedBy = self.author
            self.record(state, op: "update", fields: fields, index: index, rebased: rebased, cascade: false)
            return []

        case .delete(let type, let id, let baseVersion, let cascade):
            guard let existing = try self.current(id) else { throw .notFound(type: type, id: id, opIndex: index) }
            try self.checkType(existing, expected: type, index: index)
            if existing.deleted {
                if cascade { return [] }
                self.conflicts.append(VersionConflict(type: type, id: id, baseVersion: baseVersion, currentVersion: existing.version, reason: .deleted, fields: [], opIndex: index))
                return []
            }
            if let baseVersion, baseVersion != existing.version {
                self.conflicts.append(
                    VersionConflict(
                        type: type, id: id, baseVersion: baseVersion, currentVersion: existing.version,
                        reason: baseVersion > existing.version ? .unknownVersion : .staleDelete, fields: [], opIndex: index
                    )
                )
                return []
            }
            var state = existing
            state.version += 1
            state.seq = self.seq
            state.deleted = true
            state.updatedAt = self.committedAt
            state.updatedBy = self.author
            self.record(state, op: "delete", fields: [], index: index, rebased: false, cascade: cascade)
            self.committedOps.append(op.committedJSON(id: id))
            guard type == .article else { return [] }
            // Deleting an article deletes its links, as explicit ops every reader and replica sees.
            var linkIDs = try self.read { try self.reader.liveLinkIDs(touching: id) }
            for (linkID, link) in self.working where link.type == .link && !link.deleted {
                if link.data["fromId"]?.stringValue == id || link.data["toId"]?.stringValue == id { linkIDs.append(linkID) }
            }
            var seen = Set<String>()
            return linkIDs.filter { seen.insert($0).inserted }.sorted().map { .delete(type: .link, id: $0, baseVersion: nil, cascade: true) }

        case .restore(let type, let id, let baseVersion, let data):
            guard let existing = try self.current(id) else { throw .notFound(type: type, id: id, opIndex: index) }
            try self.checkType(existing, expected: type, index: index)
            if let baseVersion, baseVersion != existing.version {
                self.conflicts.append(VersionConflict(type: type, id: id, baseVersion: baseVersion, currentVersion: existing.version, reason: .staleDelete, fields: [], opIndex: index))
                return []
            }
            var document = data
            try self.deriveOnWrite(&document, type: type, previous: nil, index: index)
            var state = existing
            state.version += 1
            state.seq = self.seq
            state.deleted = false
            state.data = document
            state.updatedAt = self.committedAt
            state.updatedBy = self.author
            self.record(state, op: "restore", fields: ContentRules.changedFields(from: nil, to: document, type: type), index: index, rebased: false, cascade: false)
            self.committedOps.append(op.committedJSON(id: id))
            return []
        }
    }

    private mutating func record(_ state: EntityState, op: String, fields: [String], index: Int, rebased: Bool, cascade: Bool) {
        if state.type == .link {
            let previousFrom = self.working[state.id]?.data["fromId"]?.stringValue
            let from = state.data["fromId"]?.stringValue
            if let previousFrom, previousFrom != from { self.workingLinksByFrom[previousFrom]?.remove(state.id) }
            if let from { self.workingLinksByFrom[from, default: []].insert(state.id) }
        }
        self.working[state.id] = state
        self.opIndexByID[state.id] = index
        self.writes.append(EntityWrite(state: state, op: op, fields: fields))
        self.results.append(OpResult(op: op, type: state.type, id: state.id, version: state.version, rebased: rebased, cascade: cascade))
    }

    private func checkType(_ existing: EntityState, expected: EntityType, index: Int) throws(ChangesetError) {
        guard existing.type == expected else {
            throw .integrity(
                kind: "type_mismatch",
                message: "ops[\(index)] names \(existing.id) as \(expected.rawValue), but it is \(existing.type.rawValue)",
                details: ["id": .string(existing.id), "expected": .string(expected.rawValue), "actual": .string(existing.type.rawValue), "opIndex": .number(JSONNumber(index))]
            )
        }
    }

    /// Field-level optimistic concurrency. Returns whether the op was rebased over changes to
    /// other fields; records a conflict when a touched field changed since `baseVersion`.
    private mutating func checkBase(_ existing: EntityState, baseVersion: Int?, touched: Set<String>, mine: JSONObject, index: Int) throws(ChangesetError) -> Bool {
        guard let baseVersion else { return false }
        // Versions this changeset produced itself are not someone else's changes.
        let committedVersion = try self.committedState(existing.id)?.version ?? 0
        if baseVersion == committedVersion || baseVersion == existing.version { return false }
        if baseVersion > committedVersion {
            if baseVersion > existing.version {
                self.conflicts.append(VersionConflict(type: existing.type, id: existing.id, baseVersion: baseVersion, currentVersion: existing.version, reason: .unknownVersion, fields: [], opIndex: index))
            }
            return false
        }
        let changed = try self.read { try self.reader.fieldsChanged(existing.id, after: baseVersion) }
        let overlap = touched.intersection(changed).sorted()
        guard !overlap.isEmpty else { return true }
        let base = try self.read { try self.reader.entity(existing.id, version: baseVersion) }
        let fields = overlap.map { field in
            VersionConflict.Field(
                field: field,
                base: base.flatMap { ContentRules.value(at: field, in: $0.data) } ?? .null,
                theirs: ContentRules.value(at: field, in: existing.data) ?? .null,
                mine: ContentRules.value(at: field, in: mine) ?? .null
            )
        }
        self.conflicts.append(VersionConflict(type: existing.type, id: existing.id, baseVersion: baseVersion, currentVersion: existing.version, reason: .fieldChanged, fields: fields, opIndex: index))
        return false
    }

    /// Server-side derivations on every write: article slug (from the headline on create),
    /// publishedAt on the first move to published, readingMinutes; link position.
    private func deriveOnWrite(_ document: inout JSONObject, type: EntityType, previous: JSONObject?, index: Int) throws(ChangesetError) {
        // References are stored in canonical (lowercase) form so lookups and joins agree.
        for key in ["leadMediaId", "fromId", "toId"] {
            if let reference = document[key]?.stringValue { document[key] = .string(reference.lowercased()) }
        }
        if type == .article, case .array(var blocks) = document["body"] {
            var lowered = false
            for (position, block) in blocks.enumerated() {
                if case .object(var object) = block, let mediaID = object["mediaId"]?.stringValue, case let lower = mediaID.lowercased(), lower != mediaID {
                    object["mediaId"] = .string(lower)
                    blocks[position] = .object(object)
                    lowered = true
                }
            }
            if lowered { document["body"] = .array(blocks) }
        }
        switch type {
        case .article:
            if document["slug"] == nil || document["slug"] == .null, previous == nil,
                let headline = document["headline"]?.stringValue
            {
                document["slug"] = .string(Derivations.slug(fromHeadline: headline))
            }
            if document["status"] == "published", document["publishedAt"] == nil || document["publishedAt"] == .null {
                document["publishedAt"] = .string(self.committedAt)
            }
            // An edit that leaves the body as it was keeps its reading time: counting the words
            // of a 300-1,500-word body was ~5% of the writer's time per one-field edit. (Equal
            // bodies usually share storage, so the comparison is an identity check.)
            if let previous, let minutes = previous["readingMinutes"], previous["body"] == document["body"] {
                document["readingMinutes"] = minutes
            } else {
                document["readingMinutes"] = .number(JSONNumber(Derivations.readingMinutes(body: document["body"])))
            }
        case .link:
            if document["position"] == nil || document["position"] == .null, let fromID = document["fromId"]?.stringValue {
                let positions = try self.liveOutboundLinks(from: fromID).map(\.position)
                document["position"] = .number(JSONNumber((positions.max() ?? -1) + 1))
            }
        case .media:
            break
        }
    }

    // MARK: - Integrity, on the state after the whole changeset

    /// The live links from an article as this changeset leaves them.
    private func liveOutboundLinks(from articleID: String) throws(ChangesetError) -> [(id: String, toID: String, position: Int)] {
        var links = try self.read { try self.reader.liveOutboundLinks(from: articleID) }.filter { self.working[$0.id] == nil }
        for id in self.workingLinksByFrom[articleID] ?? [] {
            guard let link = self.working[id], link.type == .link, !link.deleted, link.data["fromId"]?.stringValue == articleID else { continue }
            links.append((id: id, toID: link.data["toId"]?.stringValue ?? "", position: link.data["position"]?.intValue ?? 0))
        }
        return links
    }

    private func isLive(_ id: String, type: EntityType) throws(ChangesetError) -> Bool {
        if let state = self.working[id] { return !state.deleted && state.type == type }
        if let known = self.committed.states[id] { return known.map { !$0.deleted && $0.type == type } ?? false }
        if let known = self.committed.liveTypes[id] { return known == type }
        let live = try self.read { try self.reader.liveType(id) }
        self.committed.liveTypes[id] = .some(live)
        return live == type
    }

    private func integrity(_ kind: String, _ message: String, _ details: JSONObject) -> ChangesetError {
        .integrity(kind: kind, message: message, details: details)
    }

    private func checkIntegrity() throws(ChangesetError) {
        // In op order. The keys are looked up once, not at every comparison, and the states are
        // moved once: sorting 2,000 states of an import changeset by a comparator that hashed
        // two ids each time was 8% of galleyd's CPU in an import.
        let order = self.working.keys.map { (index: self.opIndexByID[$0] ?? 0, id: $0) }.sorted { ($0.index, $0.id) < ($1.index, $1.id) }
        let touched = order.map { self.working[$0.id]! }
        var slugs: [String: String] = [:]
        for state in touched where !state.deleted {
            let opIndex = JSONValue.number(JSONNumber(self.opIndexByID[state.id] ?? 0))
            switch state.type {
            case .article:
                try self.checkArticle(state, opIndex: opIndex, slugs: &slugs)
            case .link:
                try self.checkLink(state, opIndex: opIndex)
            case .media:
                break
            }
        }
        for state in touched where state.deleted && state.type == .media {
            var users = Set(try self.read { try self.reader.liveArticlesUsingMedia(state.id) }.filter { self.working[$0] == nil })
            for article in touched where article.type == .article && !article.deleted && Self.mediaIDs(usedBy: article.data).contains(state.id) {
                users.insert(article.id)
            }
            guard users.isEmpty else {
                var articles: [JSONValue] = []
                for id in users.sorted() {
                    let article = try self.current(id)
                    articles.append(.object([
                        "id": .string(id),
                        "slug": article?.data["slug"] ?? .null,
                        "headline": article?.data["headline"] ?? .null,
                    ]))
                }
                throw self.integrity(
                    "media_in_use",
                    "media \(state.id) is still used by \(users.count) live article(s); remove it from them first",
                    ["mediaId": .string(state.id), "articles": .array(articles), "opIndex": .number(JSONNumber(self.opIndexByID[state.id] ?? 0))]
                )
            }
        }
    }

    private func checkArticle(_ state: EntityState, opIndex: JSONValue, slugs: inout [String: String]) throws(ChangesetError) {
        // What the article had when it was last committed passed these checks then, and what they
        // guard cannot have changed since without checking it again: another article taking the
        // slug checks its own, deleting a media asset in use is refused. So a field the
        // changeset leaves as it was is not looked up again (a one-field edit of a full article
        // spent a slug query and a media lookup per commit on them).
        let previous = try self.committedState(state.id)
        let before = previous?.deleted == false ? previous?.data : nil
        if let slug = state.data["slug"]?.stringValue {
            if let other = slugs[slug], other != state.id {
                throw self.integrity("duplicate_slug", "two articles in this changeset use the slug \"\(slug)\"", ["slug": .string(slug), "id": .string(other), "opIndex": opIndex])
            }
            slugs[slug] = state.id
            if before?["slug"]?.stringValue != slug, let holder = try self.read({ try self.reader.liveArticleID(slug: slug) }), holder != state.id {
                let holderNow = try self.current(holder)
                if let holderNow, !holderNow.deleted, holderNow.data["slug"]?.stringValue == slug {
                    throw self.integrity("duplicate_slug", "the slug \"\(slug)\" is already used by article \(holder)", ["slug": .string(slug), "id": .string(holder), "opIndex": opIndex])
                }
            }
        }
        var mediaRefs: [(field: String, id: String)] = []
        if let lead = state.data["leadMediaId"]?.stringValue, before?["leadMediaId"] != state.data["leadMediaId"] {
            mediaRefs.append(("leadMediaId", lead))
        }
        if before?["body"] != state.data["body"] {
            for (position, block) in (state.data["body"]?.arrayValue ?? []).enumerated() where block["type"] == "media" {
                if let mediaID = block["mediaId"]?.stringValue { mediaRefs.append(("body[\(position)].mediaId", mediaID)) }
            }
        }
        for reference in mediaRefs where try !self.isLive(reference.id.lowercased(), type: .media) {
            throw self.integrity(
                "media_missing",
                "article \(state.id) refers to media \(reference.id) in \(reference.field), which does not exist or was deleted",
                ["mediaId": .string(reference.id), "field": .string(reference.field), "articleId": .string(state.id), "opIndex": opIndex]
            )
        }
        if state.data["status"] == "published", let lead = state.data["leadMediaId"]?.stringValue {
            let publishing = previous == nil || previous?.deleted == true || previous?.data["status"] != "published"
                || previous?.data["leadMediaId"] != state.data["leadMediaId"]
            // The lead's credit is read only when this changeset publishes (or re-leads) the article.
            if publishing, try self.current(lead.lowercased())?.data["credit"]?["creator"]?.stringValue?.trimmingCharacters(in: .whitespaces).isEmpty ?? true {
                throw self.integrity(
                    "uncredited_lead_media",
                    "article \(state.id) cannot be published: its lead media \(lead) has no credit.creator",
                    ["articleId": .string(state.id), "mediaId": .string(lead), "opIndex": opIndex]
                )
            }
        }
    }

    private func checkLink(_ state: EntityState, opIndex: JSONValue) throws(ChangesetError) {
        guard let fromID = state.data["fromId"]?.stringValue?.lowercased(), let toID = state.data["toId"]?.stringValue?.lowercased() else { return }
        if fromID == toID {
            throw self.integrity("link_to_self", "link \(state.id) points from an article to itself", ["id": .string(state.id), "articleId": .string(fromID), "opIndex": opIndex])
        }
        for (field, target) in [("fromId", fromID), ("toId", toID)] where try !self.isLive(target, type: .article) {
            throw self.integrity(
                "link_target_missing",
                "link \(state.id): \(field) \(target) is not a live article",
                ["id": .string(target), "field": .string(field), "linkId": .string(state.id), "opIndex": opIndex]
            )
        }
        let outbound = try self.liveOutboundLinks(from: fromID)
        if outbound.contains(where: { $0.toID == toID && $0.id != state.id }) {
            throw self.integrity("duplicate_link", "article \(fromID) already links to \(toID)", ["fromId": .string(fromID), "toId": .string(toID), "opIndex": opIndex])
        }
        if outbound.count > Self.maximumOutboundLinks {
            throw self.integrity(
                "too_many_links",
                "article \(fromID) would have \(outbound.count) outbound links; the limit is \(Self.maximumOutboundLinks)",
                ["fromId": .string(fromID), "limit": .number(JSONNumber(Self.maximumOutboundLinks)), "opIndex": opIndex]
            )
        }
    }

    /// The media an article document uses, as lead or in body blocks (lowercased ids).
    public static func mediaIDs(usedBy article: JSONObject) -> Set<String> {
        var ids = Set<String>()
        if let lead = article["leadMediaId"]?.stringValue { ids.insert(lead.lowercased()) }
        for block in article["body"]?.arrayValue ?? [] where block["type"] == "media" {
            if let id = block["mediaId"]?.stringValue { ids.insert(id.lowercased()) }
        }
        return ids
    }
}

/// The applier's memo of committed states (a class, so the non-mutating checks can fill it).
private final class CommittedStates {
    var states: [String: EntityState?] = [:]
    /// What `isLive` learnt without reading documents (nil: absent or deleted).
    var liveTypes: [String: EntityType?] = [:]
}
