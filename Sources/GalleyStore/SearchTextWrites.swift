import GRDB

/// The full-text rows a group-commit batch changes, written once after the last changeset's
/// savepoint instead of inside each one.
///
/// Why: FTS5 keeps new terms in memory until a savepoint opens or the transaction commits, and
/// then writes them out as a new segment (`sqlite3VtabSavepoint`). Written inside the
/// changesets' savepoints, every changeset of a batch made its own segment, and each one-op edit
/// of a headline paid for a segment and its later merge (BENCHMARKS.md, "The write path's
/// full-text rows and seq, once a batch"). Written after the savepoints, a batch makes one.
///
/// The committer appends a changeset's writes only once its savepoint has been released, so a
/// refused changeset or a dry run leaves none, and it applies them in commit order inside the
/// same transaction: a failure here fails the whole batch, as a failed COMMIT does, and nothing
/// of it is visible.
struct SearchTextWrites {
    enum Write {
        /// An article's headline and subheadline and its body's words; `nil` for a part whose
        /// text the changeset left as it was.
        case article(id: String, title: [String]?, body: String?)
        case removeArticle(id: String)
        /// A photo's caption, creator and source (`SearchText.mediaColumns`; its old row went
        /// with a `removeMedia` before).
        case media(id: String, columns: [String])
        case removeMedia(id: String)
    }

    private var writes: [Write] = []

    mutating func append(_ write: Write) { self.writes.append(write) }

    mutating func append(contentsOf other: SearchTextWrites) { self.writes += other.writes }

    /// Writes every row, in the order the changesets committed.
    func apply(db: Database) throws {
        for write in self.writes {
            switch write {
            case .article(let id, let title, let body):
                try Self.writeArticle(id, title: title, body: body, db: db)
            case .removeArticle(let id):
                try Self.removeArticle(id, db: db)
            case .media(let id, let columns):
                try db.cachedStatement(sql: "INSERT INTO media_fts (id, caption, creator, source) VALUES (?, ?, ?, ?)")
                    .execute(arguments: StatementArguments([id] + columns))
                try db.cachedStatement(sql: "INSERT OR REPLACE INTO media_fts_row (id, fts_rowid) VALUES (?, ?)")
                    .execute(arguments: [id, db.lastInsertedRowID])
            case .removeMedia(let id):
                try Self.removeMedia(id, db: db)
            }
        }
    }

    /// Brings an article's two search rows (headline and subheadline; body) up to its text,
    /// rewriting only the row whose text changed: FTS5 re-tokenises the whole old and new text
    /// of every row it deletes and inserts, and a body is 300-1,500 words. Both rows use the
    /// rowid kept in `article_fts_row`. An article without search rows yet gets both.
    private static func writeArticle(_ id: String, title: [String]?, body: String?, db: Database) throws {
        guard let rowid = try Self.articleRowid(id, db: db) else {
            try db.cachedStatement(sql: "INSERT INTO article_title_fts (id, headline, subheadline) VALUES (?, ?, ?)")
                .execute(arguments: StatementArguments([id] + (title ?? ["", ""])))
            let rowid = db.lastInsertedRowID
            try db.cachedStatement(sql: "INSERT INTO article_body_fts (rowid, id, body) VALUES (?, ?, ?)")
                .execute(arguments: [rowid, id, body ?? ""])
            try db.cachedStatement(sql: "INSERT INTO article_fts_row (id, fts_rowid) VALUES (?, ?)").execute(arguments: [id, rowid])
            return
        }
        if let title {
            try Self.replaceRow("article_title_fts", columns: ["headline", "subheadline"], values: title, id: id, rowid: rowid, db: db)
        }
        if let body {
            try Self.replaceRow("article_body_fts", columns: ["body"], values: [body], id: id, rowid: rowid, db: db)
        }
    }

    /// Rewrites the FTS5 row at `rowid` with `values`, unless it holds them already (a body edit
    /// that changes no searchable text, such as a heading level, costs a read, not a re-index).
    private static func replaceRow(_ table: String, columns: [String], values: [String], id: String, rowid: Int64, db: Database) throws {
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

    private static func articleRowid(_ id: String, db: Database) throws -> Int64? {
        try Int64.fetchOne(db.cachedStatement(sql: "SELECT fts_rowid FROM article_fts_row WHERE id = ?"), arguments: [id])
    }

    /// Deletes a deleted article's search rows.
    private static func removeArticle(_ id: String, db: Database) throws {
        guard let rowid = try Self.articleRowid(id, db: db) else { return }
        try db.cachedStatement(sql: "DELETE FROM article_title_fts WHERE rowid = ?").execute(arguments: [rowid])
        try db.cachedStatement(sql: "DELETE FROM article_body_fts WHERE rowid = ?").execute(arguments: [rowid])
        try db.cachedStatement(sql: "DELETE FROM article_fts_row WHERE id = ?").execute(arguments: [id])
    }

    /// Deletes a photo's full-text row by its rowid (from `media_fts_row`): FTS5 could find it by
    /// the UNINDEXED `id` column only by scanning the whole table.
    private static func removeMedia(_ id: String, db: Database) throws {
        try db.cachedStatement(sql: "DELETE FROM media_fts WHERE rowid = (SELECT fts_rowid FROM media_fts_row WHERE id = ?)")
            .execute(arguments: [id])
        try db.cachedStatement(sql: "DELETE FROM media_fts_row WHERE id = ?").execute(arguments: [id])
    }
}
