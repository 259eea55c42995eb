import Foundation
import GRDB
import GalleyClient
import GalleyModel
import GalleyStore
import GalleyTestSupport
import JSONRPC
import JSONRPCTransport
import NIOConcurrencyHelpers
import Testing

/// The embedded store's promises about its files and schema.
@Suite struct StoreTests {
    @Test func newDatabaseIsWALWithForeignKeysAndFullSync() async throws {
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        let store = try SQLiteStore(directory: directory, logger: TestServer.quietLogger)
        #expect(try await store.head() == 0)
        // The connection that commits syncs every commit (GRDB's pool would leave it at NORMAL).
        #expect(try store.writerSynchronousSetting() == 2)
        try await store.close()
        let queue = try DatabaseQueue(path: directory + "/galley.sqlite")
        let mode = try await queue.read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        #expect(mode == "wal")
    }

    @Test func databaseFromANewerGalleydIsRefusedUntouched() async throws {
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        try await SQLiteStore(directory: directory, logger: TestServer.quietLogger).close()
        let queue = try DatabaseQueue(path: directory + "/galley.sqlite")
        try await queue.write { try $0.execute(sql: "INSERT INTO grdb_migrations (identifier) VALUES ('9999_from_the_future')") }
        try queue.close()
        let before = try Data(contentsOf: URL(fileURLWithPath: directory + "/galley.sqlite"))
        #expect(throws: StoreError.schemaTooNew(unknownMigrations: ["9999_from_the_future"])) {
            try SQLiteStore(directory: directory, logger: TestServer.quietLogger)
        }
        let after = try Data(contentsOf: URL(fileURLWithPath: directory + "/galley.sqlite"))
        #expect(before == after)
    }

    /// Migration 0004 splits the one article search table into headline and body tables: a
    /// database searched before it is searched the same after it, and edits keep it right.
    @Test func searchTextOfExistingArticlesSurvivesTheFullTextSplit() async throws {
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        let story = "00000000-0000-7000-9000-000000000001"
        let other = "00000000-0000-7000-9000-000000000002"
        do {
            let store = try SQLiteStore(directory: directory, logger: TestServer.quietLogger)
            let ops: [JSONValue] = [
                ["op": "create", "type": "article", "id": .string(story), "data": ["headline": "Harbour cranes", "body": [["type": "paragraph", "text": "Dockers stopped at noon."]]]],
                ["op": "create", "type": "article", "id": .string(other), "data": ["headline": "Ferries", "body": [["type": "paragraph", "text": "Calm sea."]]]],
            ]
            let parsed = try ops.enumerated().map { try ChangesetOp.parse($1, index: $0).get() }
            _ = try await store.commit(ChangesetSubmission(id: UUID().uuidString.lowercased(), message: "m", ops: parsed, submitted: ["ops": .array(ops)], author: "t", dryRun: false))
            try await store.close()
        }
        // Back to the schema before 0004: one table with all three columns, at the same rowids.
        let queue = try DatabaseQueue(path: directory + "/galley.sqlite")
        try await queue.write { db in
            try db.execute(sql: """
                CREATE VIRTUAL TABLE article_fts USING fts5 (id UNINDEXED, headline, subheadline, body, tokenize = 'unicode61 remove_diacritics 2');
                INSERT INTO article_fts (rowid, id, headline, subheadline, body)
                    SELECT t.rowid, t.id, t.headline, t.subheadline, b.body FROM article_title_fts t JOIN article_body_fts b ON b.rowid = t.rowid;
                DROP TABLE article_title_fts;
                DROP TABLE article_body_fts;
                DELETE FROM grdb_migrations WHERE identifier = '0004_article_fts_split';
                """)
        }
        try queue.close()

        let store = try SQLiteStore(directory: directory, logger: TestServer.quietLogger)
        func found(_ query: String) async throws -> [String] {
            try await store.listArticles(ArticleFilter(query: query)).compactMap { $0["id"]?.stringValue }
        }
        #expect(try store.check().isEmpty)
        #expect(try await found("cranes noon") == [story])
        #expect(try await found("calm ferr") == [other])
        let edit: JSONValue = ["op": "update", "type": "article", "id": .string(story), "set": ["subheadline": "Strike"]]
        _ = try await store.commit(ChangesetSubmission(
            id: UUID().uuidString.lowercased(), message: "m", ops: [try ChangesetOp.parse(edit, index: 0).get()], submitted: ["ops": [edit]], author: "t", dryRun: false
        ))
        #expect(try await found("strike dockers") == [story])
        try await store.close()
    }

    /// Migration 0005 keeps each current document only in its newest version row, and 0006 makes
    /// `entity_version` a rowid table: a database written before them reads the same documents
    /// and versions after them, passes `check`, and takes edits.
    @Test func currentDocumentsAndVersionsSurviveTheMoveToEntityHeads() async throws {
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        let story = "00000000-0000-7000-9000-000000000001"
        let gone = "00000000-0000-7000-9000-000000000002"
        var before: [EntityState] = []
        do {
            let store = try SQLiteStore(directory: directory, logger: TestServer.quietLogger)
            try await Self.commit(store, [
                ["op": "create", "type": "article", "id": .string(story), "data": ["headline": "Harbour cranes", "body": [["type": "paragraph", "text": "Dockers stopped at noon."]]]],
                ["op": "create", "type": "article", "id": .string(gone), "data": ["headline": "Ferries"]],
            ])
            try await Self.commit(store, [["op": "update", "type": "article", "id": .string(story), "set": ["subheadline": "Strike"]]])
            try await Self.commit(store, [["op": "delete", "type": "article", "id": .string(gone)]])
            before = [try await store.entity(story, version: nil), try await store.entity(gone, version: nil)].compactMap { $0 }
            try await store.close()
        }
        #expect(before.map(\.version) == [2, 2])
        // Back to the schema before 0005: a table holding each current document, and versions
        // in a WITHOUT ROWID table.
        let queue = try DatabaseQueue(path: directory + "/galley.sqlite")
        try await queue.write { db in
            try db.execute(sql: """
                CREATE TABLE entity_copy AS SELECT * FROM entity;
                DROP VIEW entity;
                DROP TABLE entity_head;
                CREATE TABLE version_copy AS SELECT * FROM entity_version;
                DROP TABLE entity_version;
                CREATE TABLE entity_version (
                    id TEXT NOT NULL, version INTEGER NOT NULL, type TEXT NOT NULL, seq INTEGER NOT NULL,
                    op TEXT NOT NULL, deleted INTEGER NOT NULL, data TEXT NOT NULL, fields TEXT NOT NULL,
                    updated_at TEXT NOT NULL, updated_by TEXT NOT NULL, PRIMARY KEY (id, version)
                ) WITHOUT ROWID;
                CREATE INDEX entity_version_seq ON entity_version (seq);
                CREATE INDEX entity_version_id_seq ON entity_version (id, seq);
                INSERT INTO entity_version SELECT * FROM version_copy;
                DROP TABLE version_copy;
                CREATE TABLE entity (
                    id TEXT PRIMARY KEY, type TEXT NOT NULL, version INTEGER NOT NULL, seq INTEGER NOT NULL,
                    deleted INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL, created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_by TEXT NOT NULL
                ) WITHOUT ROWID;
                INSERT INTO entity SELECT * FROM entity_copy;
                DROP TABLE entity_copy;
                DELETE FROM grdb_migrations WHERE identifier IN ('0005_entity_head', '0006_entity_version_rowid');
                """)
        }
        try queue.close()

        let store = try SQLiteStore(directory: directory, logger: TestServer.quietLogger)
        #expect(try store.check().isEmpty)
        let after = [try await store.entity(story, version: nil), try await store.entity(gone, version: nil)].compactMap { $0 }
        #expect(after == before)
        #expect(try await store.entity(story, version: 1)?.data["subheadline"] == nil)
        #expect(try await store.entity(gone, version: 1)?.data["headline"] == "Ferries")
        #expect(try await store.history(story, limit: 10, beforeVersion: nil).count == 2)
        try await Self.commit(store, [["op": "update", "type": "article", "id": .string(story), "set": ["headline": "Cranes idle"]]])
        let edited = try await store.entity(story, version: nil)
        #expect(edited?.version == 3)
        #expect(edited?.data["headline"] == "Cranes idle")
        #expect(edited?.data["subheadline"] == "Strike")
        #expect(edited?.createdAt == before.first?.createdAt)
        try await store.close()
    }

    /// The current document lives only in the entity's newest version row, so `check` must notice
    /// when that row is missing (the entity would vanish from every read).
    /// The changeset table keeps a digest of what was submitted; a row written before digests
    /// keeps the JSON itself. A retry with the same id replays on either, in any member order,
    /// and is refused with other content on either.
    @Test func aRetryIsComparedWithADigestAndWithTheTextOfOlderRows() async throws {
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        let (digested, legacy) = (UUID().uuidString.lowercased(), UUID().uuidString.lowercased())
        @Sendable func submission(_ id: String, headline: String, membersReversed: Bool = false) throws -> ChangesetSubmission {
            let data: JSONObject = membersReversed ? ["section": "world", "headline": .string(headline)] : ["headline": .string(headline), "section": "world"]
            let op: JSONValue = ["op": "create", "type": "article", "data": .object(data)]
            return ChangesetSubmission(id: id, message: "m", ops: [try ChangesetOp.parse(op, index: 0).get()], submitted: ["message": "m", "ops": [op]], author: "t", dryRun: false)
        }
        do {
            let store = try SQLiteStore(directory: directory, logger: TestServer.quietLogger)
            _ = try await store.commit(try submission(digested, headline: "Digested"))
            _ = try await store.commit(try submission(legacy, headline: "Legacy"))
            try await store.close()
        }
        let queue = try DatabaseQueue(path: directory + "/galley.sqlite")
        let stored = try await queue.read { db in try String.fetchOne(db, sql: "SELECT submitted FROM changeset WHERE id = ?", arguments: [digested]) }
        #expect(stored?.hasPrefix("sha256:") == true && stored?.count == 7 + 64)
        let legacyText = JSONWriter.string(try submission(legacy, headline: "Legacy").submitted)
        try await queue.write { db in
            try db.execute(sql: "UPDATE changeset SET submitted = ? WHERE id = ?", arguments: [legacyText, legacy])
        }
        try queue.close()

        let store = try SQLiteStore(directory: directory, logger: TestServer.quietLogger)
        for id in [digested, legacy] {
            let headline = id == digested ? "Digested" : "Legacy"
            #expect(try await store.commit(try submission(id, headline: headline, membersReversed: true)).replayed)
            await #expect(throws: ChangesetError.self) { try await store.commit(try submission(id, headline: "Other")) }
        }
        #expect(try await store.listArticles(ArticleFilter()).count == 2)
        try await store.close()
    }

    @Test func checkReportsAnEntityWhoseCurrentVersionIsMissing() async throws {
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        let story = "00000000-0000-7000-9000-000000000001"
        do {
            let store = try SQLiteStore(directory: directory, logger: TestServer.quietLogger)
            try await Self.commit(store, [["op": "create", "type": "article", "id": .string(story), "data": ["headline": "Harbour cranes"]]])
            try await Self.commit(store, [["op": "update", "type": "article", "id": .string(story), "set": ["subheadline": "Strike"]]])
            #expect(try store.check().isEmpty)
            try await store.close()
        }
        let queue = try DatabaseQueue(path: directory + "/galley.sqlite")
        try await queue.write { try $0.execute(sql: "DELETE FROM entity_version WHERE id = ? AND version = 2", arguments: [story]) }
        try queue.close()
        let store = try SQLiteStore(directory: directory, logger: TestServer.quietLogger)
        #expect(try store.check().map(\.kind).contains("version_gap"))
        try await store.close()
    }

    /// The full-text rows are written once per group commit, after every changeset's savepoint:
    /// each article and photo ends up searchable by the text of its last committed version only,
    /// also when several edits of it, dry runs and refused changesets share a batch.
    @Test func searchRowsOfAGroupCommitHoldEachEntitysLastCommittedText() async throws {
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        let store = try SQLiteStore(directory: directory, logger: TestServer.quietLogger)
        let largestBatch = NIOLockedValueBox(0)
        store.observeCommitBatches { size in largestBatch.withLockedValue { $0 = max($0, size) } }
        let articles = (0..<8).map { String(format: "00000000-0000-7000-9000-%012d", $0 + 1) }
        let photos = (0..<4).map { String(format: "00000000-0000-7000-9000-%012d", $0 + 101) }
        try await Self.commit(
            store,
            articles.enumerated().map { Ops.createArticle($1, headline: "Harbour cranes \($0)", ["body": [["type": "paragraph", "text": "Dockers at noon."]]]) }
                + photos.map { Ops.createMedia($0, ["caption": "Quay at dusk", "credit": ["creator": "A. Berg", "source": "Reuters"]]) }
        )
        try await withThrowingTaskGroup(of: Void.self) { group in
            for (index, id) in articles.enumerated() {
                group.addTask {
                    for round in 1...3 {
                        try await Self.commit(store, [Ops.update("article", id, set: ["headline": .string("Ferry round \(round)")])])
                    }
                    // Last, so no later title write would hide what these left.
                    try await Self.commit(store, [Ops.update("article", id, set: ["subheadline": "Phantom"])], dryRun: true)
                    // Refused: version 99 does not exist yet.
                    await #expect(throws: (any Error).self) {
                        try await Self.commit(store, [Ops.update("article", id, base: 99, set: ["subheadline": "Stale"])])
                    }
                    if index % 2 == 0 {
                        try await Self.commit(store, [Ops.update("article", id, set: ["body": [["type": "paragraph", "text": "Ships waited outside."]]])])
                    }
                }
            }
            for (index, id) in photos.enumerated() {
                group.addTask {
                    try await Self.commit(store, [Ops.update("media", id, set: ["credit.source": "Associated Press"])])
                    if index == 0 { try await Self.commit(store, [Ops.delete("media", id)]) }
                }
            }
            try await group.waitForAll()
        }
        try await Self.commit(store, [Ops.delete("article", articles[7])])
        #expect(largestBatch.withLockedValue { $0 } > 1, "some changesets shared a transaction")

        #expect(try store.check().isEmpty, "every search row holds its entity's current text")
        func found(_ query: String) async throws -> Set<String> {
            Set(try await store.listArticles(ArticleFilter(query: query)).compactMap { $0["id"]?.stringValue })
        }
        #expect(try await found("ferry round 3") == Set(articles.prefix(7)))
        #expect(try await found("harbour").isEmpty)
        #expect(try await found("phantom").isEmpty, "a dry run indexes nothing")
        #expect(try await found("stale").isEmpty, "a refused changeset indexes nothing")
        #expect(try await found("ships") == Set(articles.prefix(7).enumerated().filter { $0.offset % 2 == 0 }.map(\.element)))
        #expect(try await found("noon") == Set(articles.prefix(7).enumerated().filter { $0.offset % 2 == 1 }.map(\.element)))
        let associated = try await store.listMedia(query: "associated", kind: nil, limit: 50, after: nil).map(\.id)
        #expect(Set(associated) == Set(photos.dropFirst()))
        #expect(try await store.listMedia(query: "reuters", kind: nil, limit: 50, after: nil).isEmpty)
        try await store.close()
    }

    /// `check` notices a search row that no longer holds its article's or photo's text: the
    /// title, the body and the media row each.
    @Test(arguments: [
        "UPDATE article_title_fts SET headline = 'Old words'",
        "UPDATE article_body_fts SET body = 'Old words'",
        "UPDATE media_fts SET caption = 'Old words'",
    ])
    func checkReportsStaleSearchText(tampering: String) async throws {
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        do {
            let store = try SQLiteStore(directory: directory, logger: TestServer.quietLogger)
            try await Self.commit(store, [
                Ops.createArticle(headline: "Harbour cranes", ["body": [["type": "paragraph", "text": "Dockers at noon."]]]),
                Ops.createMedia(UUID().uuidString.lowercased(), ["caption": "Quay at dusk"]),
            ])
            #expect(try store.check().isEmpty)
            try await store.close()
        }
        let queue = try DatabaseQueue(path: directory + "/galley.sqlite")
        try await queue.write { try $0.execute(sql: tampering) }
        try queue.close()
        let store = try SQLiteStore(directory: directory, logger: TestServer.quietLogger)
        #expect(try store.check().map(\.kind) == ["stale_search_text"])
        try await store.close()
    }

    private static func commit(_ store: SQLiteStore, _ ops: [JSONValue], dryRun: Bool = false) async throws {
        let parsed = try ops.enumerated().map { try ChangesetOp.parse($1, index: $0).get() }
        _ = try await store.commit(ChangesetSubmission(id: UUID().uuidString.lowercased(), message: "m", ops: parsed, submitted: ["ops": .array(ops)], author: "t", dryRun: dryRun))
    }

    @Test func embeddedMigrationsMatchTheSQLFiles() throws {
        let folder = SharedFolder.repositoryRoot.appendingPathComponent("Migrations/server")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path).filter { $0.hasSuffix(".sql") }.sorted()
        let embedded = SQLiteStore.embeddedServerMigrations
        #expect(embedded.map(\.name) == files.map { String($0.dropLast(4)) })
        for (migration, file) in zip(embedded, files) {
            #expect(migration.sql == (try String(contentsOf: folder.appendingPathComponent(file), encoding: .utf8)), "\(file): run scripts/embed-resources")
        }
    }
}
