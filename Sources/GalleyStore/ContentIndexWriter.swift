import GRDB
import GalleyModel
import JSONRPC

/// Writes a committed changeset: its row, every new entity version, the entities' heads (which
/// version is current; the `entity` view joins the head to that version's document, so each
/// document is stored once) and the query tables (article list, tags, media use, links). The
/// submission is stored as its `digest` (``SubmissionDigest``). The full-text rows are not
/// written here but added to `search`, which the committer writes once for its whole batch (see
/// ``SearchTextWrites``).
enum ContentIndexWriter {
    static func write(
        _ outcome: ChangesetOutcome,
        submission: ChangesetSubmission,
        digest: String,
        seq: Int64,
        committedAt: String,
        search: inout SearchTextWrites,
        db: Database
    ) throws {
        try db.cachedStatement(
            sql: """
                INSERT INTO changeset (seq, id, message, author, committed_at, submitted, ops, results)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """
        ).execute(
            arguments: [
                seq, submission.id, submission.message, submission.author, committedAt,
                digest,
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
            try Self.removeFromIndexes(state, keeping: kept, search: &search, db: db)
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
            if !state.deleted { try Self.addToIndexes(state, keeping: kept, search: &search, db: db) }
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

    private static func removeFromIndexes(_ state: EntityState, keeping kept: KeptRows, search: inout SearchTextWrites, db: Database) throws {
        switch state.type {
        case .article:
            try db.cachedStatement(sql: "DELETE FROM article_index WHERE id = ?").execute(arguments: [state.id])
            if !kept.tags {
                try db.cachedStatement(sql: "DELETE FROM article_tag WHERE article_id = ?").execute(arguments: [state.id])
            }
            if !kept.mediaUse {
                try db.cachedStatement(sql: "DELETE FROM media_use WHERE article_id = ?").execute(arguments: [state.id])
            }
            // The search rows stay until the batch rewrites what changed, or the article is
            // deleted.
            if state.deleted { search.append(.removeArticle(id: state.id)) }
        case .media:
            try db.cachedStatement(sql: "DELETE FROM media_index WHERE id = ?").execute(arguments: [state.id])
            search.append(.removeMedia(id: state.id))
        case .link:
            try db.cachedStatement(sql: "DELETE FROM link_index WHERE id = ?").execute(arguments: [state.id])
        }
    }

    private static func addToIndexes(_ state: EntityState, keeping kept: KeptRows, search: inout SearchTextWrites, db: Database) throws {
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
            // A part `kept` says is unchanged is not even read back.
            if !(kept.title && kept.body) {
                search.append(
                    .article(
                        id: state.id,
                        title: kept.title ? nil : SearchText.title(data),
                        body: kept.body ? nil : SearchText.body(data["body"])
                    )
                )
            }
        case .media:
            try db.cachedStatement(sql: "INSERT INTO media_index (id, kind, seq) VALUES (?, ?, ?)").execute(arguments: [state.id, data["kind"]?.stringValue ?? "image", state.seq])
            search.append(.media(id: state.id, columns: SearchText.mediaColumns(data)))
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
