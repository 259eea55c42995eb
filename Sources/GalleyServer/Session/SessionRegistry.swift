import Prometheus
import GalleyModel
import JSONRPCTransport
import NIOConcurrencyHelpers

/// The open sessions of one galleyd, by connection id.
final class SessionRegistry: Sendable {
    private let sessions = NIOLockedValueBox<[Int: GalleySession]>([:])
    private let metrics: ServerMetrics

    init(metrics: ServerMetrics) {
        self.metrics = metrics
    }

    func add(_ session: GalleySession) {
        self.sessions.withLockedValue { $0[session.info.id] = session }
        self.metrics.connections.increment()
    }

    func remove(_ id: Int) {
        if self.sessions.withLockedValue({ $0.removeValue(forKey: id) }) != nil {
            self.metrics.connections.decrement()
        }
    }

    /// Closes every connection authenticated as `principal`; returns how many.
    func closeAll(authenticatedAs principal: String) -> Int {
        let matching = self.sessions.withLockedValue { sessions in sessions.values.filter { $0.principal?.name == principal } }
        for session in matching { session.info.outbound.close() }
        return matching.count
    }
}
