import Foundation
import GalleyClient
import GalleyTestSupport
import JSONRPC
import JSONRPCTransport
import Testing

/// `sync.push` and `sync.subscribe`.
@Suite struct SyncPushTests {
    @Test func pushReportsAppliedReplayedConflictAndRejectedInOrder() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let id = UUID().uuidString.lowercased()
            try await client.commit([Ops.createArticle(id, headline: "Base")])
            try await client.commit([Ops.update("article", id, set: ["headline": "Server edit"])])
            let first = UUID().uuidString.lowercased()
            let offline = Ops.createArticle(headline: "Written offline")
            let changesets: [JSONValue] = [
                ["id": .string(first), "message": "offline 1", "ops": [offline]],
                ["id": .string(first), "message": "offline 1", "ops": [offline]],
                ["id": .string(UUID().uuidString), "message": "offline 2", "ops": [Ops.update("article", id, base: 1, set: ["headline": "Laptop edit"])]],
                ["id": .string(UUID().uuidString), "message": "offline 3", "ops": [Ops.createArticle(headline: "")]],
            ]
            let pushed = try await client.call("sync.push", ["changesets": .array(changesets)])
            let results = pushed["results"]?.arrayValue ?? []
            #expect(results.map { $0["status"] } == ["applied", "replayed", "conflict", "rejected"])
            #expect(results[0]["seq"] == results[1]["seq"])
            #expect(results[2]["error"]?["code"] == -32009)
            #expect(results[2]["error"]?["data"]?["conflicts"]?[0]?["fields"]?[0]?["theirs"] == "Server edit")
            #expect(results[3]["error"]?["code"] == -32022)
            await client.close()
        }
    }

    @Test func subscriberIsToldOfAnotherClientsCommit() async throws {
        try await TestServer.with { server in
            let watcher = try await server.client(token: try await server.token(role: "reader"))
            let subscribed = try await watcher.call("sync.subscribe")
            #expect(subscribed["head"] == 0)
            let writer = try await server.client()
            // How fast the notification arrives is a benchmark figure, not a test assertion: this
            // asserts only that it arrives (bounded by the guard task) and names the new head.
            try await writer.commit([Ops.createArticle(headline: "Breaking")])
            let notification = await watcher.nextNotification()
            #expect(notification?.method == "sync.changed")
            #expect(notification?.params["head"] == 1)
            await writer.close()
            await watcher.close()
        }
    }

    @Test func burstsAreCoalescedButTheNewestHeadAlwaysArrives() async throws {
        try await TestServer.with { server in
            let watcher = try await server.client()
            _ = try await watcher.call("sync.subscribe")
            let writer = try await server.client()
            for index in 0..<30 { try await writer.commit([Ops.createArticle(headline: "Burst \(index)")]) }
            var heads: [Int] = []
            // Bounded: if the newest head never came, closing ends the stream and the test fails.
            let guardTask = Task { try await Task.sleep(for: .seconds(10)); await watcher.close() }
            var iterator = watcher.connection.notifications.makeAsyncIterator()
            while heads.last != 30 {
                guard let notification = await iterator.next() else { break }
                heads.append(notification.params["head"]?.intValue ?? -1)
            }
            guardTask.cancel()
            #expect(heads.last == 30)
            #expect(heads == heads.sorted())
            _ = try await watcher.call("sync.unsubscribe")
            try await writer.commit([Ops.createArticle(headline: "After unsubscribe")])
            #expect(try await watcher.call("server.info")["head"] == 31)
            await writer.close()
            await watcher.close()
        }
    }
}
