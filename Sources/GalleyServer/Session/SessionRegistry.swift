import Prometheus
import GalleyModel
import JSONRPCTransport
import Synchronization

/// The open sessions of one galleyd, by connection id.
final class SessionRegistry: Sendable {
    private let sessions = Mutex<[Int: GalleySession]>([:])
    private let metrics: ServerMetrics

    init(metrics: ServerMetrics) {
        self.metrics = metrics
    }

    func add(_ session: GalleySession) {
        self.sessions.withLock { $0[session.info.id] = session }
        self.metrics.connections.increment()
    }

    func remove(_ id: Int) {
        if self.sessions.withLock({ $0.removeValue(forKey: id) }) != nil {
            self.metrics.connections.decrement()
        }
    }

    /// Closes every connection authenticated as `principal`; returns how many.
    func closeAll(authenticatedAs principal: String) -> Int {
        let matching = self.sessions.withLock { sessions in sessions.values.filter { $0.principal?.name == principal } }
        for session in matching { session.info.outbound.close() }
        return matching.count
    }
}
