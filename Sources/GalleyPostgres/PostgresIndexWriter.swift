import Foundation
import GalleyModel
import GalleyStore
import JSONRPC
import PostgresNIO

/// Writes a committed changeset on PostgreSQL: its row, every new entity version, the entities'
/// current state and the query tables, the same rows the SQLite store's `ContentIndexWriter`
/// writes. Every statement is sent without waiting (they pipeline on the connection); the
/// committer collects them all at COMMIT.
enum PostgresIndexWriter {
    static func write(_ outcome: ChangesetOutcome, submission: ChangesetSubmission, seq: Int64, committedAt: String, on connection: BlockingConnection) {
        let submitted = SubmissionDigest.of(submission.submitted)
        let ops = JSONWriter.string(.array(outcome.committedOps))
        let results = JSONWriter.string(.array(outcome.results.map(\.json)))
        connection.send(
            """
            INSERT INTO changeset (seq, id, message, author, committed_at, submitted, ops, results)
            VALUES (\(seq), \(submission.id), \(submission.message), \(submission.author), \(committedAt), \(submitted), \(ops), \(results))
            """
        )
        for write in outcome.writes {
            let state = write.state
            let data = JSONWriter.string(.object(state.data))
            let fields = JSONWriter.string(.array(write.fields.map { .string($0) }))
            connection.send(
                """
                INSERT INTO entity_version (id, version, type, seq, op, deleted, data, fields, updated_at, updated_by)
                VALUES (\(state.id), \(state.version), \(state.type.rawValue), \(seq), \(write.op), \(state.deleted), \(data), \(fields), \(state.updatedAt), \(state.updatedBy))
                """
            )
        }
        let finals = outcome.finalStates
        // Every touched entity leaves the query tables first, so swapping slugs or links inside
        // one changeset never trips a unique index half way (as on SQLite).
        for state in finals where state.version > 1 {
            Self.removeFromIndexes(state, on: connection)
        }
        for state in finals {
            let data = JSONWriter.string(.object(state.data))
            let slug = state.type == .article ? state.data["slug"]?.stringValue : nil
            connection.send(
                """
                INSERT INTO entity (id, type, version, seq, deleted, data, created_at, updated_at, created_by, updated_by, slug)
                VALUES (\(state.id), \(state.type.rawValue), \(state.version), \(state.seq), \(state.deleted), \(data), \(state.createdAt), \(state.updatedAt), \(state.createdBy), \(state.updatedBy), \(slug))
                ON CONFLICT (id) DO UPDATE SET version = excluded.version, seq = excluded.seq, deleted = excluded.deleted,
                    data = excluded.data, updated_at = excluded.updated_at, updated_by = excluded.updated_by, slug = excluded.slug
                """
            )
            if !state.deleted { Self.addToIndexes(state, on: connection) }
        }
    }

    private static func removeFromIndexes(_ state: EntityState, on connection: BlockingConnection) {
        let id = state.id
        switch state.type {
        case .article:
            connection.send("DELETE FROM article_index WHERE id = \(id)")
            connection.send("DELETE FROM article_tag WHERE article_id = \(id)")
            connection.send("DELETE FROM media_use WHERE article_id = \(id)")
        case .media:
            connection.send("DELETE FROM media_index WHERE id = \(id)")
        case .link:
            connection.send("DELETE FROM link_index WHERE id = \(id)")
        }
    }

    static func addToIndexes(_ state: EntityState, on connection: BlockingConnection) {
        let data = state.data
        let id = state.id
        switch state.type {
        case .article:
            let slug = data["slug"]?.stringValue ?? ""
            let headline = data["headline"]?.stringValue ?? ""
            let subheadline = data["subheadline"]?.stringValue
            let section = data["section"]?.stringValue
            let status = data["status"]?.stringValue ?? "draft"
            let tags = JSONWriter.string(data["tags"] ?? .array([]))
            let publishedAt = data["publishedAt"]?.stringValue
            let lead = data["leadMediaId"]?.stringValue?.lowercased()
            let minutes = data["readingMinutes"]?.intValue ?? 1
            let search = FullTextSearch.document(SearchText.article(data))
            connection.send(
                """
                INSERT INTO article_index (id, slug, headline, subheadline, section, status, tags, published_at,
                    lead_media_id, reading_minutes, version, seq, updated_at, search)
                VALUES (\(id), \(slug), \(headline), \(subheadline), \(section), \(status), \(tags), \(publishedAt),
                    \(lead), \(minutes), \(state.version), \(state.seq), \(state.updatedAt), to_tsvector('simple', \(search)))
                """
            )
            var tagSet = Set<String>()
            for tag in data["tags"]?.arrayValue ?? [] {
                if let tag = tag.stringValue, tagSet.insert(tag).inserted {
                    connection.send("INSERT INTO article_tag (article_id, tag) VALUES (\(id), \(tag))")
                }
            }
            if let lead {
                connection.send("INSERT INTO media_use (media_id, article_id, role) VALUES (\(lead), \(id), 'lead') ON CONFLICT DO NOTHING")
            }
            for block in data["body"]?.arrayValue ?? [] where block["type"] == "media" {
                if let mediaID = block["mediaId"]?.stringValue?.lowercased() {
                    connection.send("INSERT INTO media_use (media_id, article_id, role) VALUES (\(mediaID), \(id), 'body') ON CONFLICT DO NOTHING")
                }
            }
        case .media:
            let kind = data["kind"]?.stringValue ?? "image"
            let search = FullTextSearch.document(SearchText.media(data))
            connection.send("INSERT INTO media_index (id, kind, seq, search) VALUES (\(id), \(kind), \(state.seq), to_tsvector('simple', \(search)))")
        case .link:
            let from = data["fromId"]?.stringValue?.lowercased() ?? ""
            let to = data["toId"]?.stringValue?.lowercased() ?? ""
            let position = data["position"]?.intValue ?? 0
            connection.send("INSERT INTO link_index (id, from_id, to_id, position) VALUES (\(id), \(from), \(to), \(position))")
        }
    }
}

/// Full-text search on PostgreSQL with SQLite's semantics as closely as the engines allow: the
/// `simple` configuration (no stemming, no stop words, like FTS5's unicode61), over text whose
/// case and diacritics Galley folds first (unicode61's `remove_diacritics 2`; PostgreSQL's
/// `unaccent` is an extension, which distributed engines lack). A query needs every word, the
/// last one as a prefix, as on SQLite.
enum FullTextSearch {
    static func fold(_ text: String) -> String {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
    }

    /// The text to index (`to_tsvector('simple', ...)`).
    static func document(_ text: String) -> String {
        Self.words(text).joined(separator: " ")
    }

    /// A `to_tsquery('simple', ...)` expression, or nil when the text has no word to look for.
    static func query(_ text: String) -> String? {
        let words = Self.words(text)
        guard let last = words.last else { return nil }
        return (words.dropLast() + [last + ":*"]).joined(separator: " & ")
    }

    /// Runs of letters and digits: what unicode61 calls tokens. Nothing else reaches the query
    /// parser, so no input can break its syntax.
    static func words(_ text: String) -> [String] {
        Self.fold(text).split(whereSeparator: { !($0.isLetter || $0.isNumber) }).map(String.init)
    }
}
