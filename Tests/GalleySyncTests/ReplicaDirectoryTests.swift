import Foundation
import GRDB
import GalleyModel
import GalleyTestSupport
import JSONRPC
import Testing

@testable import GalleySync

/// What a replica directory holds and how commands find it.
@Suite struct ReplicaDirectoryTests {
    @Test func aReplicaIsFoundFromAnySubdirectoryAndKeepsItsTokenPrivate() throws {
        let parent = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(parent) }
        let replica = try Replica.create(at: parent + "/desk", server: "127.0.0.1:7420", token: "secret", saveToken: true)
        let deep = parent + "/desk/a/b"
        try FileManager.default.createDirectory(atPath: deep, withIntermediateDirectories: true)
        #expect(Replica.find(from: deep) == replica.directory)
        #expect(Replica.find(from: parent) == nil)
        let mode = try FileManager.default.attributesOfItem(atPath: parent + "/desk/.galley/token")[.posixPermissions] as? Int
        #expect(mode == 0o600)
        #expect(try Replica.open(at: deep.replacingOccurrences(of: "/a/b", with: "")).savedToken() == "secret")
        #expect(try replica.integrityCheck() == "ok")
        // Every commit of local edits syncs (GRDB's pool would leave its writer at NORMAL).
        #expect(try replica.writerSynchronousSetting() == 2)
        #expect(try Replica.open(at: parent + "/desk").writerSynchronousSetting() == 2)
    }

    /// The local view as replica migrations 0001 (WITHOUT ROWID) and 0002 (a rowid table) made
    /// it: lookups generated from the document.
    private static func entityTableWithGeneratedLookups(withoutRowID: Bool) -> String {
        """
        CREATE TABLE entity (
            id TEXT NOT NULL PRIMARY KEY, type TEXT NOT NULL, version INTEGER NOT NULL, seq INTEGER NOT NULL,
            deleted INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL, created_at TEXT NOT NULL,
            updated_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_by TEXT NOT NULL,
            snapshot_generation INTEGER NOT NULL DEFAULT 0,
            slug TEXT GENERATED ALWAYS AS (CASE WHEN type = 'article' AND deleted = 0 THEN json_extract(data, '$.slug') END) VIRTUAL,
            from_id TEXT GENERATED ALWAYS AS (CASE WHEN type = 'link' AND deleted = 0 THEN json_extract(data, '$.fromId') END) VIRTUAL,
            to_id TEXT GENERATED ALWAYS AS (CASE WHEN type = 'link' AND deleted = 0 THEN json_extract(data, '$.toId') END) VIRTUAL
        )\(withoutRowID ? " WITHOUT ROWID" : "");
        """
    }

    /// Replica migration 0002 moves the local view into a rowid table: a replica made before it
    /// keeps every entity and its lookups.
    @Test func aReplicaFromBeforeTheRowidTableKeepsItsEntities() throws {
        let parent = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(parent) }
        _ = try Replica.create(at: parent + "/desk", server: "127.0.0.1:7420", token: nil, saveToken: false)
        let id = "00000000-0000-7000-9000-000000000001"
        let queue = try DatabaseQueue(path: parent + "/desk/.galley/replica.sqlite")
        try queue.write { db in
            try db.execute(sql: """
                DROP TABLE entity;
                \(Self.entityTableWithGeneratedLookups(withoutRowID: true))
                INSERT INTO entity (id, type, version, seq, data, created_at, updated_at, created_by, updated_by, snapshot_generation)
                    VALUES ('\(id)', 'article', 3, 7, '{"headline":"Ferries","slug":"ferries"}', 't0', 't1', 'a', 'b', 2);
                DELETE FROM grdb_migrations WHERE identifier = '0002_entity_rowid';
                """)
        }
        try queue.close()
        let replica = try Replica.open(at: parent + "/desk")
        let state = try #require(try replica.entity(id))
        #expect(state.version == 3)
        #expect(state.data["headline"] == "Ferries")
        #expect(try replica.articleID(slug: "ferries") == id)
        #expect(try replica.integrityCheck() == "ok")
    }

    /// A pulled document is stored as the text it came in, less the metadata members the page
    /// adds to it, and what the replica needs from it (columns, media in use) is read from that
    /// text: the same outcome as parsing every document and writing it again.
    @Test func pulledDocumentsAreStoredAsTheyCameLessTheirMetadata() throws {
        let parent = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(parent) }
        let replica = try Replica.create(at: parent + "/desk", server: "127.0.0.1:7420", token: nil, saveToken: false)
        let article = "00000000-0000-7000-9000-00000000000a"
        let lead = "00000000-0000-7000-9000-0000000000AB"
        let inBody = "00000000-0000-7000-9000-0000000000cd"
        // Metadata first and last, a repeated member (the last counts, as in parsing), escapes,
        // non-ASCII text, and media referred to by the lead and by one of three body blocks.
        let data = #"{"id":"\#(article)","version":2,"headline":"first","seq":5,"headline":"Caf\u00e9 \"au\" lait","#
            + #""slug":"cafe","leadMediaId":"\#(lead)","body":[{"type":"paragraph","text":"Dès l'aube"},"#
            + #"{"type":"media","mediaId":"\#(inBody)"},{"type":"quote","mediaId":"not-media"}],"createdAt":"t0","#
            + #""updatedAt":"t1","createdBy":"alice","updatedBy":"bob"}"#
        let page = #"{"items":[{"type":"article","id":"\#(article)","version":2,"seq":5,"deleted":false,"data":\#(data)},"#
            + #"{"type":"media","id":"00000000-0000-7000-9000-00000000000e","version":1,"seq":6,"deleted":false,"data":"not an object"}],"#
            + #""cursor":"s.x","hasMore":true,"head":6,"consistentAt":null,"snapshotSize":2}"#
        let applied = try replica.apply(pageText: Array(page.utf8))
        #expect(applied.items == 2 && applied.hasMore && applied.cursor == "s.x" && applied.head == 6 && applied.consistentAt == nil)

        let state = try #require(try replica.entity(article))
        let expected = try #require(try JSONParser.parse(data).objectValue)
        var document = expected
        for name in ["id", "version", "seq", "createdAt", "updatedAt", "createdBy", "updatedBy"] { document[name] = nil }
        #expect(state.data == document)
        #expect(state.data["headline"] == "Café \"au\" lait")
        #expect((state.version, state.seq, state.createdAt, state.updatedAt, state.createdBy, state.updatedBy) == (2, 5, "t0", "t1", "alice", "bob"))
        #expect(try replica.articleID(slug: "cafe") == article)
        // Media ids are kept lower-cased, as the applier compares them.
        #expect(try replica.articlesUsing(media: lead.lowercased()).map(\.id) == [article])
        #expect(try replica.articlesUsing(media: inBody).map(\.id) == [article])
        #expect(try replica.articlesUsing(media: "not-media").isEmpty)
        // An item whose data is not an object is read as a tombstone, as before.
        #expect(try replica.entities(.media, includeDeleted: true).map(\.deleted) == [true])

        for malformed in [#"{"items":{},"cursor":"c","head":1}"#, #"{"items":[{"type":"article"}],"cursor":"c","head":1}"#, #"{"items":[],"head":1"#] {
            #expect(throws: ReplicaError.self, "\(malformed)") { try replica.apply(pageText: Array(malformed.utf8)) }
        }
        #expect(try replica.position().cursor == "s.x")
    }

    /// The local view's lookups (a live article's slug, a live link's ends) are columns written
    /// with each row: pulled, created, edited, deleted and tombstoned rows all keep them right,
    /// and the content rules that use them (unique slugs) hold on the replica.
    @Test func theLocalViewsLookupsFollowEveryWrite() throws {
        let parent = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(parent) }
        let replica = try Replica.create(at: parent + "/desk", server: "127.0.0.1:7420", token: nil, saveToken: false)
        let (first, second, link) = ("00000000-0000-7000-9000-000000000001", "00000000-0000-7000-9000-000000000002", "00000000-0000-7000-9000-000000000003")
        func item(_ type: String, _ id: String, seq: Int, deleted: Bool = false, _ data: String) -> String {
            #"{"type":"\#(type)","id":"\#(id)","version":1,"seq":\#(seq),"deleted":\#(deleted),"data":\#(data)}"#
        }
        func page(_ items: [String], cursor: String) -> [UInt8] {
            Array(#"{"items":[\#(items.joined(separator: ","))],"cursor":"\#(cursor)","hasMore":false,"head":9,"consistentAt":9}"#.utf8)
        }
        // A repeated member counts as its last (as the stored text keeps it); an escaped one unescaped.
        _ = try replica.apply(pageText: page([
            item("article", first, seq: 1, #"{"headline":"Ferries","slug":"old","slug":"ferr\u0069es"}"#),
            item("article", second, seq: 2, #"{"headline":"Trains","slug":"trains"}"#),
            item("link", link, seq: 3, #"{"fromId":"\#(first)","toId":"\#(second)","kind":"related"}"#),
        ], cursor: "s.1"))
        #expect(try replica.articleID(slug: "ferries") == first)
        #expect(try replica.articleID(slug: "old") == nil)
        #expect(try replica.links(of: first, outbound: true).map(\.id) == [link])
        #expect(try replica.links(of: second, outbound: false).map(\.id) == [link])
        #expect(try replica.links(of: first, outbound: false).isEmpty)

        // Local edits: a new slug is found and the old one freed; a taken slug is refused.
        try replica.update(.article, first, set: ["slug": "ferries-resume"], message: "new slug")
        #expect(try replica.articleID(slug: "ferries-resume") == first)
        #expect(try replica.articleID(slug: "ferries") == nil)
        #expect(throws: (any Error).self) { try replica.createArticle(["headline": "Again", "slug": "trains"], message: "taken") }
        let third = try replica.createArticle(["headline": "Buses", "slug": "ferries"], message: "freed slug")
        #expect(try replica.articleID(slug: "ferries") == third)
        let local = try replica.createLink(from: third, to: first, message: "local link")
        #expect(try replica.links(of: first, outbound: false).map(\.id) == [local])
        try replica.delete(.link, local, message: "unlink")
        #expect(try replica.links(of: first, outbound: false).isEmpty)

        // A pulled tombstone leaves no lookup behind.
        _ = try replica.apply(pageText: page([item("article", second, seq: 4, deleted: true, "null"), item("link", link, seq: 4, deleted: true, "null")], cursor: "c.4"))
        #expect(try replica.articleID(slug: "trains") == nil)
        #expect(try replica.links(of: first, outbound: true).isEmpty)
        #expect(try replica.integrityCheck() == "ok")
    }

    /// Replica migration 0003 turns the generated lookup columns into written ones: a replica
    /// made before it keeps its lookups, and only live articles and links have them.
    @Test func aReplicaFromBeforeWrittenLookupsKeepsThem() throws {
        let parent = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(parent) }
        _ = try Replica.create(at: parent + "/desk", server: "127.0.0.1:7420", token: nil, saveToken: false)
        let (article, gone, numeric, link) = (
            "00000000-0000-7000-9000-000000000001", "00000000-0000-7000-9000-000000000002",
            "00000000-0000-7000-9000-000000000003", "00000000-0000-7000-9000-000000000004"
        )
        let queue = try DatabaseQueue(path: parent + "/desk/.galley/replica.sqlite")
        try queue.write { db in
            try db.execute(sql: """
                DROP TABLE entity;
                \(Self.entityTableWithGeneratedLookups(withoutRowID: false))
                INSERT INTO entity (id, type, version, seq, deleted, data, created_at, updated_at, created_by, updated_by) VALUES
                    ('\(article)', 'article', 3, 7, 0, '{"headline":"Ferries","slug":"ferries"}', 't0', 't1', 'a', 'b'),
                    ('\(gone)', 'article', 2, 8, 1, '{"headline":"Gone","slug":"gone"}', 't0', 't1', 'a', 'b'),
                    ('\(numeric)', 'article', 1, 9, 0, '{"headline":"Odd","slug":12}', 't0', 't1', 'a', 'b'),
                    ('\(link)', 'link', 1, 10, 0, '{"fromId":"\(article)","toId":"\(numeric)"}', 't0', 't1', 'a', 'b');
                DELETE FROM grdb_migrations WHERE identifier = '0003_entity_lookup_columns';
                """)
        }
        try queue.close()
        let replica = try Replica.open(at: parent + "/desk")
        #expect(try replica.entity(article)?.version == 3)
        #expect(try replica.articleID(slug: "ferries") == article)
        #expect(try replica.articleID(slug: "gone") == nil)
        #expect(try replica.links(of: article, outbound: true).map(\.id) == [link])
        #expect(try replica.links(of: numeric, outbound: false).map(\.id) == [link])
        let columns = try replica.pool.read { db in
            try Row.fetchAll(db, sql: "SELECT name, hidden FROM pragma_table_xinfo('entity') WHERE name IN ('slug', 'from_id', 'to_id')")
        }
        #expect(columns.count == 3 && columns.allSatisfy { $0["hidden"] as Int == 0 }, "plain columns, not generated")
        let slugs = try replica.pool.read { db in try String?.fetchAll(db, sql: "SELECT slug FROM entity WHERE type = 'article' ORDER BY id") }
        #expect(slugs == ["ferries", nil, nil])
        // The type check, now written without IN, still refuses what is not a known type.
        #expect(throws: DatabaseError.self) {
            try replica.pool.write { db in
                try db.execute(sql: "INSERT INTO entity (\(ReplicaTables.columns)) VALUES ('x', 'photo', 1, 1, 0, '{}', '', '', '', '')")
            }
        }
        #expect(try replica.integrityCheck() == "ok")
    }

    @Test func cloningIntoAnotherServersReplicaOrAFullDirectoryIsRefused() throws {
        let parent = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(parent) }
        _ = try Replica.create(at: parent + "/desk", server: "127.0.0.1:7420", token: nil, saveToken: false)
        #expect(throws: ReplicaError.self) { try Replica.create(at: parent + "/desk", server: "10.0.0.1:7420", token: nil, saveToken: false) }
        #expect(try Replica.create(at: parent + "/desk", server: "127.0.0.1:7420", token: nil, saveToken: false).savedToken() == nil)
        try "notes".write(toFile: parent + "/notes.txt", atomically: true, encoding: .utf8)
        #expect(throws: ReplicaError.self) { try Replica.create(at: parent, server: "127.0.0.1:7420", token: nil, saveToken: false) }
    }
}
