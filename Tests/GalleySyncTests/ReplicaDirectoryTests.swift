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
