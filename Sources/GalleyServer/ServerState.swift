import Prometheus
import Foundation
import GalleyStore
import JSONRPC
import Logging

/// What every connection of one galleyd shares: the store, the API contract and the methods.
final class ServerState: Sendable {
    let store: any GalleyStorage
    let document: OpenRPCDocument
    let methods: [String: any GalleyMethod]
    let startedAt: ContinuousClock.Instant
    let logger: Logger
    /// Wakes `sync.subscribe`d connections after commits.
    let broadcaster = HeadBroadcaster()
    /// The open connections, so revoking a token can close the ones it authenticated.
    let sessions: SessionRegistry
    let metrics: ServerMetrics
    let limits: AbuseLimits
    /// Requests per token (per address before authentication).
    let requestLimiter: RateLimiter
    /// Failed authentications per source address.
    let authenticationFailures: RateLimiter

    /// Encoded `article.get`/`media.get` results: current ones known through the store's change
    /// announcements (embedded store), the others revalidated against the store on every read.
    let readReplies: ReadReplyCache

    init(store: any GalleyStorage, metrics: ServerMetrics, limits: AbuseLimits, readCacheBytes: Int, logger: Logger) throws {
        self.store = store
        self.readReplies = ReadReplyCache(capacityBytes: readCacheBytes)
        self.readReplies.follow(store)
        self.limits = limits
        self.requestLimiter = RateLimiter(ratePerSecond: Double(limits.requestsPerSecond), burst: Double(limits.requestsPerSecond))
        self.authenticationFailures = RateLimiter(
            ratePerSecond: Double(limits.failedAuthenticationsPerMinute) / 60,
            burst: Double(limits.failedAuthenticationsPerMinute)
        )
        self.metrics = metrics
        self.sessions = SessionRegistry(metrics: metrics)
        self.logger = logger
        self.startedAt = .now
        self.document = try OpenRPCDocument(json: try JSONParser.parse(EmbeddedOpenRPC.json))
        var methods: [String: any GalleyMethod] = [:]
        for method in MethodCatalog.all {
            precondition(methods[type(of: method).name] == nil, "method \(type(of: method).name) registered twice")
            methods[type(of: method).name] = method
        }
        self.methods = methods
    }

    /// Brings point-in-time gauges up to date before the metrics are read.
    func refreshGauges() {
        self.metrics.subscribers.set(Double(self.broadcaster.subscriberCount))
    }

    var uptimeSeconds: Double {
        let elapsed = ContinuousClock.now - self.startedAt
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}
