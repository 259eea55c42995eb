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
                CREATE TABLE entity (
                    id TEXT PRIMARY KEY, type TEXT NOT NULL, version INTEGER NOT NULL, seq INTEGER NOT NULL,
                    deleted INTEGER NOT NULL DEFAULT 0, data TEXT NOT NULL, created_at TEXT NOT NULL,
                    updated_at TEXT NOT NULL, created_by TEXT NOT NULL, updated_by TEXT NOT NULL,
                    snapshot_generation INTEGER NOT NULL DEFAULT 0,
                    slug TEXT GENERATED ALWAYS AS (CASE WHEN type = 'article' AND deleted = 0 THEN json_extract(data, '$.slug') END) VIRTUAL,
                    from_id TEXT GENERATED ALWAYS AS (CASE WHEN type = 'link' AND deleted = 0 THEN json_extract(data, '$.fromId') END) VIRTUAL,
                    to_id TEXT GENERATED ALWAYS AS (CASE WHEN type = 'link' AND deleted = 0 THEN json_extract(data, '$.toId') END) VIRTUAL
                ) WITHOUT ROWID;
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
