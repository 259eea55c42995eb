import Prometheus
import GalleyModel
import GalleyStore
import JSONRPCTransport
import Logging
import NIOCore
import NIOPosix
import ServiceLifecycle

/// galleyd as a `Service`: the JSON-RPC transport serving the Galley methods over a store.
/// When it returns (graceful shutdown finished) the store has been closed.
public final class GalleyServer: Service, Sendable {
    private let transport: JSONRPCServer
    let state: ServerState
    /// The server's metrics (see ``MetricsEndpoint``).
    public var metrics: ServerMetrics { self.state.metrics }

    /// The default bound on the kept encoded read results (``ReadReplyCache``).
    public static let defaultReadCacheBytes = 128 * 1024 * 1024

    /// - Parameters:
    ///   - readCacheBytes: the most bytes of encoded `article.get`/`media.get` results kept; 0 keeps none.
    ///   - onListening: called with the bound address once the socket listens (tests bind port 0).
    public init(
        store: any GalleyStorage,
        transport configuration: TransportConfiguration,
        metrics: ServerMetrics = ServerMetrics(),
        limits: AbuseLimits = AbuseLimits(),
        readCacheBytes: Int = GalleyServer.defaultReadCacheBytes,
        logger: Logger,
        eventLoopGroup: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton,
        onListening: @escaping @Sendable (SocketAddress) -> Void = { _ in }
    ) throws {
        let state = try ServerState(store: store, metrics: metrics, limits: limits, readCacheBytes: readCacheBytes, logger: logger)
        store.observeCommitBatches { size in metrics.commitBatchSize.record(Double(size)) }
        let dispatcher = MethodDispatcher(server: state)
        self.state = state
        self.transport = JSONRPCServer(
            configuration: configuration,
            eventLoopGroup: eventLoopGroup,
            logger: logger,
            onListening: onListening,
            makeSession: { info in
                let session = GalleySession(info: info, server: state, dispatcher: dispatcher)
                state.sessions.add(session)
                return session
            }
        )
    }

    public func run() async throws {
        // Commits by other instances sharing the store (PostgreSQL) reach this instance's
        // subscribers through the store's watcher; the embedded store has none.
        let state = self.state
        let watcher = Task { await state.store.watchHead { head in state.broadcaster.publish(head: head) } }
        defer { watcher.cancel() }
        do {
            try await self.transport.run()
        } catch {
            watcher.cancel()
            await watcher.value
            try? await self.state.store.close()
            throw error
        }
        watcher.cancel()
        await watcher.value
        try await self.state.store.close()
        self.state.logger.info("store closed")
    }
}

/// Makes sure an administrator can get in: when the store has no live token (a new data
/// directory), creates an `admin` token and writes it to `<data>/admin.token` with mode 0600.
public enum AdminBootstrap {
    /// The path written, or nil when live tokens already existed.
    public static func ensureAdminToken(store: any GalleyStorage, dataDirectory: String, logger: Logger) async throws -> String? {
        guard try await store.liveTokenCount() == 0 else { return nil }
        let token = TokenMinter.newToken()
        do {
            try await store.createToken(name: "admin", role: .admin, hash: TokenMinter.hash(token), createdBy: nil, expiresAt: nil)
        } catch StoreError.tokenNameTaken {
            // Another instance sharing the database made the first admin token at the same time.
            return nil
        }
        let path = dataDirectory.hasSuffix("/") ? dataDirectory + "admin.token" : dataDirectory + "/admin.token"
        try SecretFile.write(token + "\n", to: path)
        logger.notice("created the first admin token", metadata: ["path": "\(path)"])
        return path
    }
}
