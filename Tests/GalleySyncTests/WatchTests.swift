import Foundation
import GalleyClient
import GalleyModel
import GalleyTestSupport
import JSONRPC
import JSONRPCTransport
import NIOConcurrencyHelpers
import Synchronization
import Testing

@testable import GalleySync

/// `galley sync --watch`: live updates both ways, reconnects, and a clean stop.
@Suite struct WatchTests {
    /// Collects watch events for assertions.
    final class Events: Sendable {
        private let list = NIOLockedValueBox<[WatchEvent]>([])
        func append(_ event: WatchEvent) { self.list.withLockedValue { $0.append(event) } }
        var connections: Int {
            self.list.withLockedValue { $0.filter { if case .connected = $0 { true } else { false } }.count }
        }
        var disconnections: Int {
            self.list.withLockedValue { $0.filter { if case .disconnected = $0 { true } else { false } }.count }
        }
    }

    /// Polls `condition` every 10 ms for at most `limit`; returns how long it took, nil if never.
    static func wait(upTo limit: Duration, _ condition: () async throws -> Bool) async throws -> Duration? {
        let started = ContinuousClock.now
        while ContinuousClock.now - started < limit {
            if try await condition() { return ContinuousClock.now - started }
            try await Task.sleep(for: .milliseconds(10))
        }
        return nil
    }

    @Test func watchPullsAnotherClientsCommitByItselfAndPushesLocalEdits() async throws {
        try await TestServer.with { server in
            let writer = try await server.client()
            try await Fixtures.withReplicas(1, of: server) { replicas in
                let replica = replicas[0]
                try await Fixtures.pull(replica)
                let events = Events()
                let watcher = SyncWatcher(replica: replica, onEvent: events.append) { try await ReplicaSync.connect(replica) }
                let task = Task { await watcher.run() }
                #expect(try await Self.wait(upTo: .seconds(10)) { events.connections == 1 } != nil)
                let id = UUID().uuidString.lowercased()
                try await writer.commit([Fixtures.article("Breaking", id: id)])
                // Nothing asks for a pull: the notification does. How fast is a benchmark figure
                // (a timed assertion would fail on a loaded machine), so this bounds the wait only.
                let seen = try await Self.wait(upTo: .seconds(10)) { try replica.entity(id) != nil }
                #expect(seen != nil)
                // A local edit goes out by itself.
                try replica.update(.article, id, set: ["headline": "Breaking: more"], message: "from the replica")
                let pushed = try await Self.wait(upTo: .seconds(15)) {
                    try await writer.call("article.get", ["id": .string(id)])["headline"] == "Breaking: more"
                }
                #expect(pushed != nil)
                // Cancelling stops it cleanly (bounded: the test would hang otherwise).
                task.cancel()
                await task.value
                #expect(try replica.outbox().isEmpty)
                #expect(try replica.integrityCheck() == "ok")
            }
            await writer.close()
        }
    }

    @Test func watchReconnectsWithBackoffAfterFailuresAndLostConnections() async throws {
        try await TestServer.with { server in
            try await Fixtures.withReplicas(1, of: server) { replicas in
                let replica = replicas[0]
                try await Fixtures.pull(replica)
                let attempts = Atomic<Int>(0)
                let current = NIOLockedValueBox<GalleyClient?>(nil)
                let events = Events()
                let watcher = SyncWatcher(
                    replica: replica,
                    backoff: Backoff(initial: .milliseconds(5), maximum: .milliseconds(40)),
                    onEvent: events.append
                ) {
                    if attempts.add(1, ordering: .relaxed).newValue <= 3 {
                        throw ClientError.cannotConnect(host: "127.0.0.1", port: server.port, reason: "simulated outage")
                    }
                    let client = try await ReplicaSync.connect(replica)
                    current.withLockedValue { $0 = client }
                    return client
                }
                let task = Task { await watcher.run() }
                #expect(try await Self.wait(upTo: .seconds(10)) { events.connections == 1 } != nil)
                #expect(events.disconnections == 3)
                // The connection drops: the watcher comes back by itself.
                await current.withLockedValue { $0 }?.close()
                #expect(try await Self.wait(upTo: .seconds(10)) { events.connections == 2 } != nil)
                let writer = try await server.client()
                let id = UUID().uuidString.lowercased()
                try await writer.commit([Fixtures.article("After the outage", id: id)])
                #expect(try await Self.wait(upTo: .seconds(15)) { try replica.entity(id) != nil } != nil)
                await writer.close()
                task.cancel()
                await task.value
            }
        }
    }

    @Test func backoffGrowsExponentiallyWithJitterUpToItsMaximum() {
        let backoff = Backoff(initial: .milliseconds(100), maximum: .seconds(2))
        for attempt in 0..<10 {
            let ceiling = min(Duration.milliseconds(100) * (1 << attempt), .seconds(2))
            for _ in 0..<20 {
                let delay = backoff.delay(attempt: attempt)
                #expect(delay <= ceiling && delay >= ceiling / 2)
            }
        }
    }

    @Test func pullingWhileAnotherClientCommitsContinuouslyConverges() async throws {
        try await TestServer.with { server in
            let writer = try await server.client()
            try await Fixtures.withReplicas(1, of: server) { replicas in
                let replica = replicas[0]
                let done = Atomic<Bool>(false)
                let writing = Task {
                    defer { done.store(true, ordering: .sequentiallyConsistent) }
                    var ids: [String] = []
                    for round in 0..<150 {
                        let id = UUID().uuidString.lowercased()
                        var ops = [Fixtures.article("Story \(round)", id: id)]
                        if ids.count > 3 { ops.append(Ops.update("article", ids[round % ids.count], set: ["headline": .string("Edit \(round)")])) }
                        if round % 10 == 9 { ops.append(Ops.delete("article", ids.removeFirst())) }
                        try await writer.commit(ops)
                        ids.append(id)
                    }
                }
                var pulls = 0
                while !done.load(ordering: .sequentiallyConsistent), pulls < 2000 {
                    try await Fixtures.pull(replica, pageLimit: 7)
                    pulls += 1
                }
                try await writing.value
                try await Fixtures.pull(replica, pageLimit: 7)
                #expect(pulls > 1)
                #expect(try replica.position().consistentAt == 150)
                try await Fixtures.expectSameContent(replica, server)
            }
            await writer.close()
        }
    }

}
