import GalleyTestSupport
import Foundation
import GalleyClient
import GalleyServer
import GalleyStore
import JSONRPC
import JSONRPCTransport
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle
import Testing

/// Metrics through `server.metrics` and scraped from the Prometheus endpoint.
@Suite struct MetricsTests {
    private func value(_ samples: [JSONValue], _ name: String, _ labels: JSONObject = [:]) -> Double? {
        samples.first { sample in
            sample["name"] == .string(name) && labels.allSatisfy { sample["labels"]?[$0.key] == $0.value }
        }?["value"]?.numberValue?.doubleValue
    }

    @Test func serverMetricsCountRequestsConflictsAndCommitBatches() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            for _ in 0..<3 { _ = try await client.call("server.info") }
            let id = UUID().uuidString.lowercased()
            try await client.commit([Ops.createArticle(id, headline: "Counted")])
            try await client.commit([Ops.update("article", id, base: 1, set: ["headline": "First"])])
            _ = await client.commitFailure([Ops.update("article", id, base: 1, set: ["headline": "Second"])])
            let samples = try await client.call("server.metrics")["samples"]?.arrayValue ?? []
            #expect(self.value(samples, "galley_requests_total", ["method": "server.info", "outcome": "ok"]) == 3)
            #expect(self.value(samples, "galley_requests_total", ["method": "changeset.commit", "outcome": "version_conflict"]) == 1)
            #expect(self.value(samples, "galley_version_conflicts_total") == 1)
            #expect(self.value(samples, "galley_commit_batch_changesets_count") ?? 0 >= 2)
            #expect(self.value(samples, "galley_connections_open") ?? 0 >= 1)
            #expect(self.value(samples, "galley_request_duration_seconds_count", ["method": "server.info"]) == 3)
            let reader = try await server.client(token: try await server.token(role: "reader"))
            #expect(await reader.failure("server.metrics", [:])?.code == -32003)
            await reader.close()
            await client.close()
        }
    }

    @Test func prometheusEndpointServesTheTextFormat() async throws {
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        let store = try SQLiteStore(directory: directory, logger: TestServer.quietLogger)
        let server = try GalleyServer(store: store, transport: TransportConfiguration(host: "127.0.0.1", port: 0), logger: TestServer.quietLogger)
        let (addresses, continuation) = AsyncStream<SocketAddress>.makeStream()
        let endpoint = MetricsEndpoint(host: "127.0.0.1", port: 0, server: server, logger: TestServer.quietLogger) { continuation.yield($0) }
        let group = ServiceGroup(services: [server, endpoint], logger: TestServer.quietLogger)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            tasks.addTask { try await group.run() }
            var iterator = addresses.makeAsyncIterator()
            let port = try #require(await iterator.next()?.port)
            let raw = try await RawConnection.connect(host: "127.0.0.1", port: port)
            try await raw.send("GET /metrics HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            let response = try await raw.readUntilClosed()
            #expect(response.hasPrefix("HTTP/1.1 200 OK"))
            #expect(response.contains("Content-Type: text/plain; version=0.0.4"))
            #expect(response.contains("# TYPE galley_connections_open gauge"))
            #expect(response.contains("galley_commit_batch_changesets_count"))
            let missing = try await RawConnection.connect(host: "127.0.0.1", port: port)
            try await missing.send("GET /secrets HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            #expect(try await missing.readUntilClosed().hasPrefix("HTTP/1.1 404"))
            await group.triggerGracefulShutdown()
            try await tasks.waitForAll()
        }
    }
}
