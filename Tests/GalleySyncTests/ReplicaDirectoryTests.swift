import Foundation
import GalleyTestSupport
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
