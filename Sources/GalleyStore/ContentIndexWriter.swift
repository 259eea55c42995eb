import GRDB
import GalleyModel
import JSONRPC

/// Writes a committed changeset: its row, every new entity version, the entities' current state
/// and the query tables (article list, tags, media use, links, full-text search).
enum ContentIndexWriter {
    static func write(_ outcome: ChangesetOutcome, submission: ChangesetSubmission, seq: Int64, committedAt: String, db: Database) throws {
        try db.execute(
            sql: """
                INSERT INTO changeset (seq, id, message, author, committed_at, submitted, ops, results)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [
                seq, submission.id, submission.message, submission.author, committedAt,
                JSONWriter.string(submission.submitted),
                JSONWriter.string(.array(outcome.committedOps)),
                JSONWriter.string(.array(outcome.results.map(\.json))),
            ]
        )
        for write in outcome.writes {
            let state = write.state
            try db.execute(
                sql: """
                    INSERT INTO entity_version (id, version, type, seq, op, deleted, data, fields, updated_at, updated_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
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
        for state in finals where state.version > 1 {
            try Self.removeFromIndexes(state, db: db)
        }
        for state in finals {
            try db.execute(
                sql: """
                    INSERT INTO entity (id, type, version, seq, deleted, data, created_at, updated_at, created_by, updated_by)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    ON CONFLICT (id) DO UPDATE SET version = excluded.version, seq = excluded.seq, deleted = excluded.deleted,
                        data = excluded.data, updated_at = excluded.updated_at, updated_by = excluded.updated_by
                    """,
                arguments: [
                    state.id, state.type.rawValue, state.version, state.seq, state.deleted,
                    JSONWriter.string(.object(state.data)), state.createdAt, state.updatedAt, state.createdBy, state.updatedBy,
                ]
            )
            if !state.deleted { try Self.addToIndexes(state, db: db) }
        }
    }

    private static func removeFromIndexes(_ state: EntityState, db: Database) throws {
        switch state.type {
        case .article:
            try db.execute(sql: "DELETE FROM article_index WHERE id = ?", arguments: [state.id])
            try db.execute(sql: "DELETE FROM article_tag WHERE article_id = ?", arguments: [state.id])
            try db.execute(sql: "DELETE FROM media_use WHERE article_id = ?", arguments: [state.id])
            try db.execute(sql: "DELETE FROM article_fts WHERE id = ?", arguments: [state.id])
        case .media:
            try db.execute(sql: "DELETE FROM media_index WHERE id = ?", arguments: [state.id])
            try db.execute(sql: "DELETE FROM media_fts WHERE id = ?", arguments: [state.id])
        case .link:
            try db.execute(sql: "DELETE FROM link_index WHERE id = ?", arguments: [state.id])
        }
    }

    private static func addToIndexes(_ state: EntityState, db: Database) throws {
        let data = state.data
        switch state.type {
        case .article:
            try db.execute(
                sql: """
                    INSERT INTO article_index (id, slug, headline, subheadline, section, status, tags, published_at,
                        lead_media_id, reading_minutes, version, seq, updated_at)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """,
                arguments: [
                    state.id, data["slug"]?.stringValue, data["headline"]?.stringValue ?? "", data["subheadline"]?.stringValue,
                    data["section"]?.stringValue, data["status"]?.stringValue ?? "draft",
                    JSONWriter.string(data["tags"] ?? .array([])), data["publishedAt"]?.stringValue,
                    data["leadMediaId"]?.stringValue?.lowercased(), data["readingMinutes"]?.intValue ?? 1,
                    state.version, state.seq, state.updatedAt,
                ]
            )
            var tags = Set<String>()
            for tag in data["tags"]?.arrayValue ?? [] {
                if let tag = tag.stringValue, tags.insert(tag).inserted {
                    try db.execute(sql: "INSERT INTO article_tag (article_id, tag) VALUES (?, ?)", arguments: [state.id, tag])
                }
            }
            if let lead = data["leadMediaId"]?.stringValue {
                try db.execute(sql: "INSERT OR IGNORE INTO media_use (media_id, article_id, role) VALUES (?, ?, 'lead')", arguments: [lead.lowercased(), state.id])
            }
            for block in data["body"]?.arrayValue ?? [] where block["type"] == "media" {
                if let mediaID = block["mediaId"]?.stringValue {
                    try db.execute(sql: "INSERT OR IGNORE INTO media_use (media_id, article_id, role) VALUES (?, ?, 'body')", arguments: [mediaID.lowercased(), state.id])
                }
            }
            try db.execute(
                sql: "INSERT INTO article_fts (id, headline, subheadline, body) VALUES (?, ?, ?, ?)",
                arguments: [state.id, data["headline"]?.stringValue ?? "", data["subheadline"]?.stringValue ?? "", Self.bodyText(data["body"])]
            )
        case .media:
            try db.execute(sql: "INSERT INTO media_index (id, kind, seq) VALUES (?, ?, ?)", arguments: [state.id, data["kind"]?.stringValue ?? "image", state.seq])
            let credit = data["credit"]?.objectValue ?? [:]
            try db.execute(
                sql: "INSERT INTO media_fts (id, caption, creator, source) VALUES (?, ?, ?, ?)",
                arguments: [state.id, data["caption"]?.stringValue ?? "", credit["creator"]?.stringValue ?? "", credit["source"]?.stringValue ?? ""]
            )
        case .link:
            try db.execute(
                sql: "INSERT INTO link_index (id, from_id, to_id, position) VALUES (?, ?, ?, ?)",
                arguments: [
                    state.id, data["fromId"]?.stringValue?.lowercased() ?? "", data["toId"]?.stringValue?.lowercased() ?? "",
                    data["position"]?.intValue ?? 0,
                ]
            )
        }
    }

    /// The searchable text of a body: every block's text, attribution, items and captions.
    static func bodyText(_ body: JSONValue?) -> String {
        var parts: [String] = []
        for block in body?.arrayValue ?? [] {
            for key in ["text", "attribution", "caption"] {
                if let text = block[key]?.stringValue { parts.append(text) }
            }
            for item in block["items"]?.arrayValue ?? [] {
                if let text = item.stringValue { parts.append(text) }
            }
        }
        return parts.joined(separator: "\n")
    }
}
