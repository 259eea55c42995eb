import Foundation
import GRDB
import GalleyModel
import JSONRPC

/// One broken invariant found by ``SQLiteStore/check()``.
public struct StoreProblem: Sendable, Hashable, CustomStringConvertible {
    public var kind: String
    public var detail: String

    public var description: String { "\(self.kind): \(self.detail)" }
}

extension SQLiteStore {
    /// Copies the whole database into `path` with SQLite's online backup API, in one step inside
    /// one read transaction: a consistent snapshot while writes go on. Returns the snapshot's head.
    @discardableResult
    public func backup(to path: String) throws -> Int64 {
        if FileManager.default.fileExists(atPath: path) {
            throw StoreError.unusable("\(path) exists already; choose a new file")
        }
        let destination = try DatabaseQueue(path: path)
        try self.pool.backup(to: destination)
        let head = try destination.read { db in try Int64.fetchOne(db, sql: "SELECT v FROM seq_counter WHERE id = 1") ?? 0 }
        try destination.close()
        return head
    }

    /// Integrity and Galley's own invariants: SQLite's integrity check, foreign keys, gapless seq,
    /// contiguous versions matching the current state, links between live articles, and query
    /// tables that agree with the entities.
    public func check() throws -> [StoreProblem] {
        try self.pool.read { db in
            var problems: [StoreProblem] = []
            for line in try String.fetchAll(db, sql: "PRAGMA integrity_check") where line != "ok" {
                problems.append(StoreProblem(kind: "sqlite_integrity", detail: line))
            }
            for row in try Row.fetchAll(db, sql: "PRAGMA foreign_key_check") {
                problems.append(StoreProblem(kind: "foreign_key", detail: "\(row)"))
            }
            let head = try Int64.fetchOne(db, sql: "SELECT v FROM seq_counter WHERE id = 1") ?? 0
            let count = try Int64.fetchOne(db, sql: "SELECT count(*) FROM changeset") ?? 0
            let range = try Row.fetchOne(db, sql: "SELECT min(seq) AS low, max(seq) AS high FROM changeset")
            let low: Int64? = range?["low"]
            let high: Int64? = range?["high"]
            if count != head || (count > 0 && (low != 1 || high != head)) {
                problems.append(
                    StoreProblem(kind: "seq_gap", detail: "head is \(head) but \(count) changesets span \(low ?? 0)...\(high ?? 0)")
                )
            }
            let versionGaps = try Row.fetchAll(
                db,
                sql: """
                    SELECT e.id, e.version, count(v.version) AS versions, max(v.version) AS newest
                    FROM entity_head e LEFT JOIN entity_version v ON v.id = e.id
                    GROUP BY e.id HAVING versions != e.version OR newest != e.version
                    """
            )
            for row in versionGaps {
                problems.append(StoreProblem(kind: "version_gap", detail: "entity \(row["id"] as String) is at version \(row["version"] as Int) with \(row["versions"] as Int) versions recorded"))
            }
            let orphanVersions = try Int.fetchOne(db, sql: "SELECT count(*) FROM entity_version v WHERE NOT EXISTS (SELECT 1 FROM changeset c WHERE c.seq = v.seq)") ?? 0
            if orphanVersions > 0 {
                problems.append(StoreProblem(kind: "orphan_version", detail: "\(orphanVersions) versions name a changeset that does not exist"))
            }
            let danglingLinks = try String.fetchAll(
                db,
                sql: """
                    SELECT l.id FROM link_index l
                    WHERE NOT EXISTS (SELECT 1 FROM article_index a WHERE a.id = l.from_id)
                       OR NOT EXISTS (SELECT 1 FROM article_index a WHERE a.id = l.to_id)
                    """
            )
            for id in danglingLinks {
                problems.append(StoreProblem(kind: "dangling_link", detail: "live link \(id) does not join two live articles"))
            }
            let liveArticles = try Int.fetchOne(db, sql: "SELECT count(*) FROM entity_head WHERE type = 'article' AND deleted = 0") ?? 0
            let indexedArticles = try Int.fetchOne(db, sql: "SELECT count(*) FROM article_index") ?? 0
            if liveArticles != indexedArticles {
                problems.append(StoreProblem(kind: "index_mismatch", detail: "\(liveArticles) live articles but \(indexedArticles) in article_index"))
            }
            for table in ["article_fts_row", "article_title_fts", "article_body_fts"] {
                let searchRows = try Int.fetchOne(db, sql: "SELECT count(*) FROM \(table)") ?? 0
                if searchRows != liveArticles {
                    problems.append(StoreProblem(kind: "index_mismatch", detail: "\(liveArticles) live articles but \(searchRows) rows in \(table)"))
                }
            }
            problems += try Self.staleSearchText(db)
            let liveLinks = try Int.fetchOne(db, sql: "SELECT count(*) FROM entity_head WHERE type = 'link' AND deleted = 0") ?? 0
            let indexedLinks = try Int.fetchOne(db, sql: "SELECT count(*) FROM link_index") ?? 0
            if liveLinks != indexedLinks {
                problems.append(StoreProblem(kind: "index_mismatch", detail: "\(liveLinks) live links but \(indexedLinks) in link_index"))
            }
            return problems
        }
    }

    /// Live articles and photos whose full-text rows do not hold the text of their current
    /// document (what `SearchText` makes of it): search would find them by old words, or miss
    /// new ones. Each document is parsed once.
    private static func staleSearchText(_ db: Database) throws -> [StoreProblem] {
        // The ids of live entities of `type` whose search `columns` (reached through `joins`
        // from `entity e`) differ from what `expected` makes of the current document.
        func stale(_ type: String, joins: String, columns: [String], expected: (JSONObject) -> [String]) throws -> [String] {
            var ids: [String] = []
            let cursor = try Row.fetchCursor(
                db,
                sql: "SELECT e.id, e.data, \(columns.joined(separator: ", ")) FROM entity e \(joins) WHERE e.type = '\(type)' AND e.deleted = 0 ORDER BY e.id"
            )
            while let row = try cursor.next() {
                let data = (try JSONParser.parse(row[1] as String)).objectValue ?? [:]
                if columns.indices.map({ row[$0 + 2] as String? }) != expected(data) { ids.append(row[0]) }
            }
            return ids
        }
        let articles = try stale(
            "article",
            joins: """
                LEFT JOIN article_fts_row r ON r.id = e.id
                LEFT JOIN article_title_fts t ON t.rowid = r.fts_rowid LEFT JOIN article_body_fts b ON b.rowid = r.fts_rowid
                """,
            columns: ["t.headline", "t.subheadline", "b.body"]
        ) { SearchText.title($0) + [SearchText.body($0["body"])] }
        let media = try stale(
            "media",
            joins: "LEFT JOIN media_fts_row r ON r.id = e.id LEFT JOIN media_fts f ON f.rowid = r.fts_rowid",
            columns: ["f.caption", "f.creator", "f.source"],
            expected: SearchText.mediaColumns
        )
        var problems = articles.map {
            StoreProblem(kind: "stale_search_text", detail: "the search rows of article \($0) do not hold its current text")
        }
        problems += media.map {
            StoreProblem(kind: "stale_search_text", detail: "the search row of media \($0) does not hold its current caption and credit")
        }
        let mediaRows = try Int.fetchOne(db, sql: "SELECT count(*) FROM media_fts") ?? 0
        let liveMedia = try Int.fetchOne(db, sql: "SELECT count(*) FROM entity_head WHERE type = 'media' AND deleted = 0") ?? 0
        if mediaRows != liveMedia {
            problems.append(StoreProblem(kind: "index_mismatch", detail: "\(liveMedia) live media but \(mediaRows) rows in media_fts"))
        }
        return problems
    }

    /// Puts a backup file in place as the database of an empty data directory.
    public static func restore(from backup: String, into directory: String) throws {
        let target = (directory as NSString).appendingPathComponent("galley.sqlite")
        guard FileManager.default.fileExists(atPath: backup) else { throw StoreError.unusable("no backup file at \(backup)") }
        for suffix in ["", "-wal", "-shm"] where FileManager.default.fileExists(atPath: target + suffix) {
            throw StoreError.unusable("\(directory) already holds a database; restore into an empty data directory")
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let source = try DatabaseQueue(path: backup, configuration: { var c = Configuration(); c.readonly = true; return c }())
        let destination = try DatabaseQueue(path: target)
        try source.backup(to: destination)
        try destination.writeWithoutTransaction { db in try db.execute(sql: "PRAGMA journal_mode = WAL") }
        try destination.close()
        try source.close()
    }
}
