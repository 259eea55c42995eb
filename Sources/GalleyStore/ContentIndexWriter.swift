import GRDB
import GalleyModel
import JSONRPC

/// Writes a committed changeset: its row, every new entity version, the entities' heads (which
/// version is current; the `entity` view joins the head to that version's document, so each
/// document is stored once) and the query tables (article list, tags, media use, links,
/// full-text search).
enum ContentIndexWriter {
    static func write(_ outcome: ChangesetOutcome, submission: ChangesetSubmission, seq: Int64, committedAt: String, db: Database) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO changeset (seq, id, message, author, committed_at, submitted, ops, results)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                seq, submission.id, submission.message, submission.author, committedAt,
                SubmissionDigest.of(submission.submitted),
                JSONWriter.string(.array(outcome.committedOps)),
                JSONWriter.string(.array(outcome.results.map(\.json))),
            ]
        )
        for write in outcome.writes {
            let state = write.state
            try db.cachedStatement(
                sql: """
                    INSERT INTO entity_version (id, version, type, seq, op, deleted, data, fields, updated_at, updated_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(
                arguments: [
                    state.id, state.version, state.type.rawValue, seq, write.op, state.deleted,
                    JSONWriter.string(.object(state.data)), JSONWriter.string(.array(write.fields.map { .string($0) })),
                    state.updatedAt, state.updatedBy,
                ]
            )
        }
        let finals = outcome.finalStates
        // Remove every touched entity from the query tables first, so that swapping slugs or
        // links inside one changeset never trips a unique index half way.
        // (An entity at version 1 was created by this changeset and is in no index yet. Skipping
        // it matters: the FTS tables' `id` is UNINDEXED, so each delete there scans the table,
        // which made a changeset of N creates cost O(N x articles).)
        // Rows that only repeat what the entity held before this changeset (its tags, the media
        // it uses, its search text) are left in place.
        let kept = finals.map { KeptRows($0, before: outcome.previousStates[$0.id]) }
        for (state, kept) in zip(finals, kept) where state.version > 1 {
            try Self.removeFromIndexes(state, keeping: kept, db: db)
        }
        for (state, kept) in zip(finals, kept) {
            try db.cachedStatement(
                sql: """
                    INSERT INTO entity_head (id, type, version, seq, deleted, created_at, updated_at, created_by, updated_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET version = excluded.version, seq = excluded.seq, deleted = excluded.deleted,
                        updated_at = excluded.updated_at, updated_by = excluded.updated_by
                    """
            ).execute(
                arguments: [
                    state.id, state.type.rawValue, state.version, state.seq, state.deleted,
                    state.createdAt, state.updatedAt, state.createdBy, state.updatedBy,
                ]
            )
            if !state.deleted { try Self.addToIndexes(state, keeping: kept, db: db) }
        }
    }

    /// Which of an article's query rows already hold what its new state would write: those of
    /// the fields that kept their value since the live state before this changeset (none when
    /// it had no live state, or is deleted now). Equal bodies usually share storage, so
    /// comparing them is an identity check.
    private struct KeptRows {
        var tags = false
        var mediaUse = false
        var title = false
        var body = false

        init(_ state: EntityState, before: EntityState?) {
            guard state.type == .article, !state.deleted, let before, !before.deleted else { return }
            let old = before.data
            let new = state.data
            self.tags = old["tags"] == new["tags"]
            self.body = old["body"] == new["body"]
            self.mediaUse = self.body && old["leadMediaId"] == new["leadMediaId"]
            self.title = old["headline"] == new["headline"] && old["subheadline"] == new["subheadline"]
        }
    }

    private static func removeFromIndexes(_ state: EntityState, keeping kept: KeptRows, db: Database) throws {
        switch state.type {
        case .article:
            try db.cachedStatement(sql: "DELETE FROM article_index WHERE id = ?").execute(arguments: [state.id])
            if !kept.tags {
                try db.cachedStatement(sql: "DELETE FROM article_tag WHERE article_id = ?").execute(arguments: [state.id])
            }
            if !kept.mediaUse {
                try db.cachedStatement(sql: "DELETE FROM media_use WHERE article_id = ?").execute(arguments: [state.id])
            }
            // The search rows stay until `writeArticleSearchText` rewrites what changed, or the
            // article is deleted.
            if state.deleted { try Self.removeArticleSearchText(state.id, db: db) }
        case .media:
            try db.cachedStatement(sql: "DELETE FROM media_index WHERE id = ?").execute(arguments: [state.id])
            try Self.removeFullText(state.id, table: "media_fts", db: db)
        case .link:
            try db.cachedStatement(sql: "DELETE FROM link_index WHERE id = ?").execute(arguments: [state.id])
        }
    }

    /// Deletes an entity's full-text row by its rowid (from `<table>_row`): FTS5 could find it by
    /// the UNINDEXED `id` column only by scanning the whole table.
    private static func removeFullText(_ id: String, table: String, db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM \(table) WHERE rowid = (SELECT fts_rowid FROM \(table)_row WHERE id = ?)")
            .execute(arguments: [id])
        try db.cachedStatement(sql: "DELETE FROM \(table)_row WHERE id = ?").execute(arguments: [id])
    }

    /// Records the rowid of the full-text row just inserted for `id`.
    private static func noteFullTextRow(_ id: String, table: String, db: Database) throws {
        try db.cachedStatement(sql: "INSERT OR REPLACE INTO \(table)_row (id, fts_rowid) VALUES (?, ?)")
            .execute(arguments: [id, db.lastInsertedRowID])
    }

    /// Brings an article's two search rows (headline and subheadline; body) up to its text,
    /// rewriting only the row whose text changed: FTS5 re-tokenises the whole old and new text
    /// of every row it deletes and inserts, and a body is 300-1,500 words. Both rows use the
    /// rowid kept in `article_fts_row`. A part `kept` says is unchanged is not even read back.
    private static func writeArticleSearchText(_ state: EntityState, keeping kept: KeptRows, db: Database) throws {
        if kept.title && kept.body { return }
        let title = [state.data["headline"]?.stringValue ?? "", state.data["subheadline"]?.stringValue ?? ""]
        guard let rowid = try Self.articleSearchRowid(state.id, db: db) else {
            let body = [SearchText.body(state.data["body"])]
            try db.cachedStatement(sql: "INSERT INTO article_title_fts (id, headline, subheadline) VALUES (?, ?, ?)")
                .execute(arguments: StatementArguments([state.id] + title))
            let rowid = db.lastInsertedRowID
            try db.cachedStatement(sql: "INSERT INTO article_body_fts (rowid, id, body) VALUES (?, ?, ?)")
                .execute(arguments: StatementArguments([rowid, state.id] + body))
            try db.cachedStatement(sql: "INSERT INTO article_fts_row (id, fts_rowid) VALUES (?, ?)").execute(arguments: [state.id, rowid])
            return
        }
        if !kept.title {
            try Self.replaceSearchRow("article_title_fts", columns: ["headline", "subheadline"], values: title, id: state.id, rowid: rowid, db: db)
        }
        if !kept.body {
            try Self.replaceSearchRow("article_body_fts", columns: ["body"], values: [SearchText.body(state.data["body"])], id: state.id, rowid: rowid, db: db)
        }
    }

    /// Rewrites the FTS5 row at `rowid` with `values`, unless it holds them already (a body edit
    /// that changes no searchable text, such as a heading level, costs a read, not a re-index).
    private static func replaceSearchRow(_ table: String, columns: [String], values: [String], id: String, rowid: Int64, db: Database) throws {
        let stored = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT \(columns.joined(separator: ", ")) FROM \(table) WHERE rowid = ?"),
            arguments: [rowid]
        )
        if let stored, values.indices.allSatisfy({ stored[$0] as String? == values[$0] }) { return }
        try db.cachedStatement(sql: "DELETE FROM \(table) WHERE rowid = ?").execute(arguments: [rowid])
        let placeholders = Array(repeating: "?", count: columns.count).joined(separator: ", ")
        try db.cachedStatement(sql: "INSERT INTO \(table) (rowid, id, \(columns.joined(separator: ", "))) VALUES (?, ?, \(placeholders))")
            .execute(arguments: StatementArguments([rowid, id] + values))
    }

    private static func articleSearchRowid(_ id: String, db: Database) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT fts_rowid FROM article_fts_row WHERE id = ?"), arguments: [id])
    }

    /// Deletes a deleted article's search rows.
    private static func removeArticleSearchText(_ id: String, db: Database) throws {
        guard let rowid = try Self.articleSearchRowid(id, db: db) else { return }
        try db.cachedStatement(sql: "DELETE FROM article_title_fts WHERE rowid = ?").execute(arguments: [rowid])
        try db.cachedStatement(sql: "DELETE FROM article_body_fts WHERE rowid = ?").execute(arguments: [rowid])
        try db.cachedStatement(sql: "DELETE FROM article_fts_row WHERE id = ?").execute(arguments: [id])
    }

    private static func addToIndexes(_ state: EntityState, keeping kept: KeptRows, db: Database) throws {
        let data = state.data
        switch state.type {
        case .article:
            try db.cachedStatement(
                sql: """
                    INSERT INTO article_index (id, slug, headline, subheadline, section, status, tags, published_at,
                        lead_media_id, reading_minutes, version, seq, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """
            ).execute(
                arguments: [
                    state.id, data["slug"]?.stringValue, data["headline"]?.stringValue ?? "", data["subheadline"]?.stringValue,
                    data["section"]?.stringValue, data["status"]?.stringValue ?? "draft",
                    JSONWriter.string(data["tags"] ?? .array([])), data["publishedAt"]?.stringValue,
                    data["leadMediaId"]?.stringValue?.lowercased(), data["readingMinutes"]?.intValue ?? 1,
                    state.version, state.seq, state.updatedAt,
                ]
            )
            if !kept.tags {
                var tags = Set<String>()
                for tag in data["tags"]?.arrayValue ?? [] {
                    if let tag = tag.stringValue, tags.insert(tag).inserted {
                        try db.cachedStatement(sql: "INSERT INTO article_tag (article_id, tag) VALUES (?, ?)").execute(arguments: [state.id, tag])
                    }
                }
            }
            if !kept.mediaUse {
                if let lead = data["leadMediaId"]?.stringValue {
                    try db.cachedStatement(sql: "INSERT OR IGNORE INTO media_use (media_id, article_id, role) VALUES (?, ?, 'lead')").execute(arguments: [lead.lowercased(), state.id])
                }
                for block in data["body"]?.arrayValue ?? [] where block["type"] == "media" {
                    if let mediaID = block["mediaId"]?.stringValue {
                        try db.cachedStatement(sql: "INSERT OR IGNORE INTO media_use (media_id, article_id, role) VALUES (?, ?, 'body')").execute(arguments: [mediaID.lowercased(), state.id])
                    }
                }
            }
            try Self.writeArticleSearchText(state, keeping: kept, db: db)
        case .media:
            try db.cachedStatement(sql: "INSERT INTO media_index (id, kind, seq) VALUES (?, ?, ?)").execute(arguments: [state.id, data["kind"]?.stringValue ?? "image", state.seq])
            let credit = data["credit"]?.objectValue ?? [:]
            try db.cachedStatement(sql: "INSERT INTO media_fts (id, caption, creator, source) VALUES (?, ?, ?, ?)").execute(
                arguments: [state.id, data["caption"]?.stringValue ?? "", credit["creator"]?.stringValue ?? "", credit["source"]?.stringValue ?? ""]
            )
            try Self.noteFullTextRow(state.id, table: "media_fts", db: db)
        case .link:
            try db.cachedStatement(sql: "INSERT INTO link_index (id, from_id, to_id, position) VALUES (?, ?, ?, ?)").execute(
                arguments: [
                    state.id, data["fromId"]?.stringValue?.lowercased() ?? "", data["toId"]?.stringValue?.lowercased() ?? "",
                    data["position"]?.intValue ?? 0,
                ]
            )
        }
    }
}
