import GalleyTestSupport
import Foundation
import GalleyClient
import JSONRPC
import Testing

/// `galleyd backup`, `restore` and `check` on real processes.
@Suite(.serialized) struct MaintenanceTests {
    @Test func backupDuringAWriteStormRestoresToTheStateAtItsHead() async throws {
        let source = try TemporaryDirectory.make()
        let restored = try TemporaryDirectory.make()
        let backupFile = try TemporaryDirectory.make() + "/galley.backup.sqlite"
        defer { [source, restored].forEach(TemporaryDirectory.remove) }
        let server = try await ServerProcess.start(dataDirectory: source)
        let galleyd = ServerProcess.executable("galleyd")

        // Writers keep committing while the backup is taken.
        let storm = Task {
            try await withThrowingTaskGroup(of: Void.self) { group in
                for writer in 0..<4 {
                    group.addTask {
                        let client = try await GalleyClient.connect(to: server.address, token: server.adminToken)
                        for index in 0..<60 {
                            try await client.commit([Ops.createArticle(headline: "Storm \(writer) \(index)")])
                        }
                        await client.close()
                    }
                }
                try await group.waitForAll()
            }
        }
        // Take the backup once the storm is under way (bounded wait).
        let watcher = try await GalleyClient.connect(to: server.address, token: server.adminToken)
        for _ in 0..<500 {
            if (try await watcher.call("server.info")["head"]?.intValue ?? 0) >= 10 { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        await watcher.close()
        let backup = try await runCommand(galleyd, ["backup", "--data", source, "--to", backupFile])
        #expect(backup.status == 0, "\(backup.stderr)")
        try await storm.value
        let head = try #require(Int(backup.stdout.split(separator: " ").dropFirst(5).first ?? ""), "\(backup.stdout)")
        #expect(head > 0)

        let restore = try await runCommand(galleyd, ["restore", "--from", backupFile, "--data", restored])
        #expect(restore.status == 0, "\(restore.stderr)")
        let again = try await runCommand(galleyd, ["restore", "--from", backupFile, "--data", restored])
        #expect(again.status != 0, "a restore must never overwrite a database")
        let check = try await runCommand(galleyd, ["check", "--data", restored])
        #expect(check.status == 0, "\(check.stdout)")

        // The restored server holds exactly the source's state at the backup's head.
        let token = try await runCommand(galleyd, ["token", "create", "--name", "restorer", "--role", "admin", "--data", restored])
        let copy = try await ServerProcess.start(dataDirectory: restored)
        let original = try await GalleyClient.connect(to: server.address, token: server.adminToken)
        let restoredClient = try await GalleyClient.connect(to: copy.address, token: token.stdout.trimmingCharacters(in: .whitespacesAndNewlines))
        #expect(try await restoredClient.call("server.info")["head"] == .number(JSONNumber(head)))
        let articles = try await restoredClient.call("article.list", ["limit": 500])["items"]?.arrayValue ?? []
        #expect(articles.count == head)
        for article in articles {
            let id = try #require(article["id"])
            let version = try #require(article["version"])
            let mine = try await restoredClient.call("article.get", ["id": id])
            let theirs = try await original.call("article.get", ["id": id, "version": version])
            #expect(mine == theirs)
        }
        let laterOnSource = try await original.call("changeset.list", ["after": .number(JSONNumber(head)), "limit": 500])
        #expect(laterOnSource["items"]?.arrayValue?.count == 240 - head)
        await original.close()
        await restoredClient.close()
        #expect(try await copy.stop() == 0)
        #expect(try await server.stop() == 0)
        let sourceCheck = try await runCommand(galleyd, ["check", "--data", source])
        #expect(sourceCheck.status == 0, "\(sourceCheck.stdout)")
    }
}
