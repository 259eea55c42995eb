import Foundation
/// Chooses where a command's content lives.
public enum BackendResolver {
    /// The default server when neither `--server` nor `GALLEY_SERVER` names one.
    public static let defaultServer = "127.0.0.1:7420"

    /// Opens the backend for a command: online on `--server`, `GALLEY_SERVER` or the default.
    ///
    /// Replica seam (filled in when the `GalleySync` branch is merged): before going online,
    /// when `explicitServer` is nil and the working directory is inside a replica, open that
    /// replica instead (a `ReplicaBackend: ContentBackend` whose reads come from the local copy and
    /// whose `commit` queues to the outbox for `galley push`/`sync`). The rule from issue 5:
    /// inside a replica the replica wins over `GALLEY_SERVER`; only an explicit `--server` flag
    /// goes online from there. Nothing else in the CLI needs to change: every command is written
    /// against ``ContentBackend``.
    public static func open(explicitServer: String?, environment: [String: String], token: String?) async throws -> any ContentBackend {
        let address = explicitServer ?? environment["GALLEY_SERVER"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultServer
        return try await OnlineBackend.connect(to: address, token: token)
    }
}
