import GalleyModel
import GalleyStore
import Logging

/// What a method handler may use: the caller, the store and the server's shared state.
struct MethodContext: Sendable {
    let session: GalleySession
    let server: ServerState
    var logger: Logger

    var store: any GalleyStorage { self.server.store }

    /// The authenticated caller; methods that are not anonymous can rely on it.
    var principal: Principal {
        get throws {
            guard let principal = self.session.principal else { throw GalleyError.unauthenticated() }
            return principal
        }
    }
}
