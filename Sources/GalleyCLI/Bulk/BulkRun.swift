import Foundation
import GalleyModel
import JSONRPC

/// Which entities a bulk command works on: listable filters (`--where`, `--query`) or ids.
public struct BulkSelection: Sendable, Hashable {
    public var type: EntityType
    public var articleFilter = ArticleFilter()
    public var mediaFilter = MediaFilter()
    /// Ids (or, for articles, slugs) given on the command line or stdin; nil for a filter.
    public var ids: [String]?

    /// `--where` keys per type, as `article.list` / `media.list` filters.
    public static let filterKeys: [EntityType: [String]] = [
        .article: ["section", "status", "tag", "updated-after", "query"],
        .media: ["kind", "query"],
    ]

    /// Reads `--where key=value` filters (and `--query`), or takes `ids`; not both.
    public static func parse(type: EntityType, wheres: [String], query: String?, ids: [String]?) throws -> BulkSelection {
        guard let keys = Self.filterKeys[type] else { throw CLIError.usage("bulk commands work on articles and media (--type article|media)") }
        var selection = BulkSelection(type: type)
        if let ids {
            guard wheres.isEmpty, query == nil else { throw CLIError.usage("give either --ids or --where/--query, not both") }
            selection.ids = ids
            return selection
        }
        var filters: [(String, String)] = wheres.map { _ in ("", "") }
        for (index, clause) in wheres.enumerated() {
            guard let equals = clause.firstIndex(of: "="), equals != clause.startIndex else {
                throw CLIError.usage("--where \(clause) is not key=value (keys for \(type.rawValue): \(keys.joined(separator: ", ")))")
            }
            var key = String(clause[..<equals])
            if key == "q" { key = "query" }
            if key == "updatedAfter" { key = "updated-after" }
            guard keys.contains(key) else {
                throw CLIError.usage("--where \(key) is not a filter of \(type.rawValue) lists; use one of: \(keys.joined(separator: ", "))")
            }
            filters[index] = (key, String(clause[clause.index(after: equals)...]))
        }
        if let query { filters.append(("query", query)) }
        for (key, value) in filters {
            switch (type, key) {
            case (.article, "section"): selection.articleFilter.section = value
            case (.article, "status"): selection.articleFilter.status = value
            case (.article, "tag"): selection.articleFilter.tag = value
            case (.article, "updated-after"): selection.articleFilter.updatedAfter = value
            case (.article, "query"): selection.articleFilter.query = value
            case (.media, "kind"): selection.mediaFilter.kind = value
            case (.media, "query"): selection.mediaFilter.query = value
            default: break
            }
        }
        if filters.isEmpty {
            throw CLIError.usage("say which \(type.rawValue)s: --where KEY=VALUE (\(keys.joined(separator: ", "))), --query WORDS or --ids -")
        }
        selection.articleFilter.pageSize = 500
        selection.mediaFilter.pageSize = 500
        return selection
    }

    /// A stable description of the selection, part of a run's identity.
    var identity: JSONValue {
        if let ids { return ["ids": .array(ids.map { .string($0) })] }
        switch self.type {
        case .article:
            let filter = self.articleFilter
            return [
                "section": filter.section.map { .string($0) } ?? .null, "status": filter.status.map { .string($0) } ?? .null,
                "tag": filter.tag.map { .string($0) } ?? .null, "updatedAfter": filter.updatedAfter.map { .string($0) } ?? .null,
                "q": filter.query.map { .string($0) } ?? .null,
            ]
        default:
            return ["kind": self.mediaFilter.kind.map { .string($0) } ?? .null, "q": self.mediaFilter.query.map { .string($0) } ?? .null]
        }
    }
}

/// What a bulk command does to each selected entity.
public enum BulkAction: Sendable, Hashable {
    case update(FieldChanges)
    case delete
}

/// The ops a bulk command would commit, and a sample of what they change.
public struct BulkPlan: Sendable {
    /// Entities the selection matched.
    public var matched: Int
    /// Entities already in the requested state (no op).
    public var unchanged: Int
    public var ops: [JSONValue]
    /// A readable diff of the first few entities that change.
    public var samples: [String]

    public init(matched: Int, unchanged: Int, ops: [JSONValue], samples: [String]) {
        self.matched = matched
        self.unchanged = unchanged
        self.ops = ops
        self.samples = samples
    }
}

/// One numbered changeset of a bulk run, and what became of it.
public struct BulkChunk: Sendable {
    public var number: Int
    public var id: String
    public var opCount: Int
    public var result: JSONObject
}

/// A bulk update or delete: select entities, plan the smallest ops, commit them in changesets of
/// at most 10,000 ops. Each changeset's id is derived from the run (its parameters and message)
/// and the changeset's number, so an interrupted run re-run with the same command finds the
/// changesets it already committed, skips them, and plans the rest from the current state.
public struct BulkRun: Sendable {
    /// The most ops one changeset may hold (the API's limit).
    public static let maximumOps = 10_000
    /// How many entities the sample diff shows.
    public static let sampleSize = 5

    public let backend: any ContentBackend
    public let selection: BulkSelection
    public let action: BulkAction
    public var chunkSize: Int

    public init(backend: any ContentBackend, selection: BulkSelection, action: BulkAction, chunkSize: Int = BulkRun.maximumOps) {
        self.backend = backend
        self.selection = selection
        self.action = action
        self.chunkSize = min(max(1, chunkSize), Self.maximumOps)
    }

    /// The run's id: a v5 UUID of everything that defines it. The same command gives the same id.
    public func runID(message: String) -> String {
        let action: JSONValue =
            switch self.action {
            case .delete: "delete"
            case .update(let changes):
                [
                    "set": .object(changes.set), "unset": .array(changes.unset.map { .string($0) }),
                    "addTags": .array(changes.addTags.map { .string($0) }), "removeTags": .array(changes.removeTags.map { .string($0) }),
                ]
            }
        let identity: JSONValue = [
            "bulk": .string(self.selection.type.rawValue), "select": self.selection.identity, "action": action, "message": .string(message),
        ]
        return UUIDv5.make(namespace: UUIDv5.galleyNamespace, name: JSONWriter.string(identity))
    }

    /// The id of the run's changeset number `number` (1-based).
    public static func chunkID(runID: String, number: Int) -> String {
        UUIDv5.make(namespace: runID, name: "chunk-\(number)")
    }

    // MARK: - Planning

    /// Reads the selected entities and plans their ops.
    public func plan(progress: ((Int) -> Void)? = nil) async throws -> BulkPlan {
        let entities = try await self.load(progress: progress)
        var ops: [JSONValue] = []
        var samples: [String] = []
        var unchanged = 0
        for entity in entities {
            let id = Listing.plain(entity["id"])
            let version = entity["version"]?.intValue
            let label = self.label(entity)
            switch self.action {
            case .delete:
                ops.append(Ops.delete(self.selection.type, id: id, baseVersion: version))
                if samples.count < Self.sampleSize { samples.append("\(label)\n  (deleted)") }
            case .update(let changes):
                guard let update = changes.update(for: entity) else {
                    unchanged += 1
                    continue
                }
                ops.append(Ops.update(self.selection.type, id: id, baseVersion: version, set: update.set, unset: update.unset))
                if samples.count < Self.sampleSize {
                    samples.append(([label] + FieldChanges.diffLines(before: entity, set: update.set, unset: update.unset)).joined(separator: "\n"))
                }
            }
        }
        return BulkPlan(matched: entities.count, unchanged: unchanged, ops: ops, samples: samples)
    }

    private func label(_ entity: JSONObject) -> String {
        let id = Listing.plain(entity["id"])
        let version = Listing.plain(entity["version"])
        switch self.selection.type {
        case .article: return "article \(Listing.plain(entity["slug"])) (\(id), version \(version))"
        default: return "\(self.selection.type.rawValue) \(Listing.plain(entity["uri"])) (\(id), version \(version))"
        }
    }

    private var needsFullDocuments: Bool {
        guard self.selection.type == .article, case .update(let changes) = self.action else { return false }
        return changes.touchesBodyOrBylines
    }

    /// The selected entities' current documents (article summaries when they suffice).
    private func load(progress: ((Int) -> Void)?) async throws -> [JSONObject] {
        let backend = self.backend
        let type = self.selection.type
        if let ids = self.selection.ids {
            return try await Self.fetchAll(ids, type: type, backend: backend, progress: progress)
        }
        var listed: [JSONObject] = []
        var cursor: String?
        repeat {
            let page =
                type == .article
                ? try await backend.articles(self.selection.articleFilter, cursor: cursor)
                : try await backend.mediaItems(self.selection.mediaFilter, cursor: cursor)
            listed += page.items
            cursor = page.nextCursor
            progress?(listed.count)
        } while cursor != nil
        guard self.needsFullDocuments else { return listed }
        return try await Self.fetchAll(listed.map { Listing.plain($0["id"]) }, type: type, backend: backend, progress: progress)
    }

    /// Reads entities by id or slug, up to 16 at once, in the order given; a missing one is an error.
    static func fetchAll(_ references: [String], type: EntityType, backend: any ContentBackend, progress: ((Int) -> Void)?) async throws -> [JSONObject] {
        var results = [JSONObject?](repeating: nil, count: references.count)
        try await withThrowingTaskGroup(of: (Int, JSONObject).self) { group in
            var next = 0
            var done = 0
            func start() {
                guard next < references.count else { return }
                let index = next
                let reference = references[index]
                next += 1
                group.addTask {
                    let entity = type == .article ? try await backend.article(reference, version: nil) : try await backend.media(id: reference, version: nil)
                    return (index, entity)
                }
            }
            for _ in 0..<16 { start() }
            while let (index, entity) = try await group.next() {
                results[index] = entity
                done += 1
                progress?(done)
                start()
            }
        }
        return results.compactMap { $0 }
    }

    // MARK: - Committing

    /// How many of this run's changesets are already committed (numbers 1...n exist).
    public func committedChunks(runID: String) async throws -> Int {
        var count = 0
        while try await self.backend.changeset(seq: nil, id: Self.chunkID(runID: runID, number: count + 1)) != nil {
            count += 1
        }
        return count
    }

    /// Commits (or, with `dryRun`, checks) the plan's ops in numbered changesets after the
    /// `alreadyCommitted` ones. Stops at the first refused changeset by throwing its error.
    public func commit(
        _ plan: BulkPlan,
        message: String,
        runID: String,
        alreadyCommitted: Int,
        dryRun: Bool,
        onChunk: (BulkChunk) throws -> Void
    ) async throws {
        var start = 0
        var number = alreadyCommitted
        while start < plan.ops.count {
            let chunk = Array(plan.ops[start..<min(start + self.chunkSize, plan.ops.count)])
            number += 1
            let id = Self.chunkID(runID: runID, number: number)
            let result = try await self.backend.commit(ChangesetRequest(id: id, message: message, ops: chunk, dryRun: dryRun))
            try onChunk(BulkChunk(number: number, id: id, opCount: chunk.count, result: result))
            start += chunk.count
        }
    }
}
