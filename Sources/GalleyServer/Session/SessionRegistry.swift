import GalleyModel
import JSONRPCTransport
import Synchronization

/// The open sessions of one galleyd, by connection id.
final class SessionRegistry: Sendable {
    private let sessions = Mutex<[Int: GalleySession]>([:])

    func add(_ session: GalleySession) {
        self.sessions.withLock { $0[session.info.id] = session }
    }

    func remove(_ id: Int) {
        _ = self.sessions.withLock { $0.removeValue(forKey: id) }
    }

    /// Closes every connection authenticated as `principal`; returns how many.
    func closeAll(authenticatedAs principal: String) -> Int {
        let matching = self.sessions.withLock { sessions in sessions.values.filter { $0.principal?.name == principal } }
        for session in matching { session.info.outbound.close() }
        return matching.count
    }
}
