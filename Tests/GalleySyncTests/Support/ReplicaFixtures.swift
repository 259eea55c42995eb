import Foundation
import GRDB
import GalleyClient
import GalleyModel
import GalleyPostgres
import GalleyTestSupport
import JSONRPC
import Testing

@testable import GalleySync

/// Replicas in temporary directories, and comparisons with the server's own database.
enum Fixtures {
    /// Runs `body` with `count` fresh (not yet cloned) replicas of `server`, then removes them.
    static func withReplicas<T: Sendable>(
        _ count: Int,
        of server: TestServer,
        token: String? = nil,
        _ body: @Sendable ([Replica]) async throws -> T
    ) async throws -> T {
        let parent = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(parent) }
        let replicas = try (0..<count).map { index in
            try Replica.create(at: "\(parent)/replica-\(index)", server: server.address, token: token ?? server.adminToken, saveToken: true)
        }
        return try await body(replicas)
    }

    /// A sync session for `replica` on a new connection (closed by the caller).
    static func session(_ replica: Replica, pageLimit: Int = 1000) async throws -> ReplicaSync {
        ReplicaSync(replica: replica, client: try await ReplicaSync.connect(replica), pageLimit: pageLimit)
    }

    /// Pulls (or pushes) on a fresh connection and closes it.
    @discardableResult
    static func pull(_ replica: Replica, pageLimit: Int = 1000, maxPages: Int = .max) async throws -> PullSummary {
        let session = try await self.session(replica, pageLimit: pageLimit)
        defer { Task { await session.client.close() } }
        return try await session.pull(maxPages: maxPages)
    }

    @discardableResult
    static func push(_ replica: Replica) async throws -> PushSummary {
        let session = try await self.session(replica)
        defer { Task { await session.client.close() } }
        return try await session.push()
    }

    @discardableResult
    static func sync(_ replica: Replica) async throws -> (pulled: PullSummary, pushed: PushSummary) {
        let session = try await self.session(replica)
        defer { Task { await session.client.close() } }
        return try await session.sync()
    }

    /// Every entity in the server's database (the store's `entity` table), read directly so the
    /// comparison does not go through the sync feed it checks.
    static func serverEntities(_ server: TestServer) async throws -> [String: EntityState] {
        if let postgres = server.store as? PostgresStore {
            return Dictionary(uniqueKeysWithValues: try await postgres.allEntities().map { ($0.id, $0) })
        }
        var configuration = Configuration()
        configuration.readonly = true
        let queue = try DatabaseQueue(path: server.dataDirectory + "/galley.sqlite", configuration: configuration)
        defer { try? queue.close() }
        return try await queue.read { db in
            var states: [String: EntityState] = [:]
            for row in try Row.fetchAll(db, sql: "SELECT \(ReplicaTables.columns) FROM entity") {
                let state = try ReplicaTables.state(row)
                states[state.id] = state
            }
            return states
        }
    }

    /// The replica's local view equals the server entity by entity: the same live entities, each
    /// at the same version with the same stored document; whatever the replica holds as deleted
    /// is deleted on the server.
    static func expectSameContent(_ replica: Replica, _ server: TestServer, sourceLocation: SourceLocation = #_sourceLocation) async throws {
        let serverStates = try await self.serverEntities(server)
        let local = try EntityType.allCases.flatMap { try replica.entities($0, includeDeleted: true) }
        let localByID = Dictionary(uniqueKeysWithValues: local.map { ($0.id, $0) })
        let liveOnServer = Set(serverStates.values.filter { !$0.deleted }.map(\.id))
        let liveLocally = Set(local.filter { !$0.deleted }.map(\.id))
        #expect(liveLocally == liveOnServer, "live entities differ: \(liveLocally.symmetricDifference(liveOnServer).count)", sourceLocation: sourceLocation)
        var mismatches = 0
        for (id, state) in localByID {
            guard let theirs = serverStates[id] else {
                mismatches += 1
                continue
            }
            if state.deleted != theirs.deleted || state.version != theirs.version || state.type != theirs.type {
                mismatches += 1
            } else if !state.deleted, !ContentRules.sameValue(.object(state.data), .object(theirs.data)) {
                mismatches += 1
            }
        }
        #expect(mismatches == 0, "\(mismatches) entities differ from the server", sourceLocation: sourceLocation)
    }

    /// An article create op with a fresh id.
    static func article(_ headline: String, id: String = UUID().uuidString.lowercased(), _ extra: JSONObject = [:]) -> JSONValue {
        Ops.createArticle(id, headline: headline, extra)
    }
}
