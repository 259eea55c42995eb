import Foundation
import GalleySync
import JSONRPCTransport

/// Chooses where a command's content lives.
public enum BackendResolver {
    /// The default server when neither `--server` nor `GALLEY_SERVER` names one.
    public static let defaultServer = "127.0.0.1:7420"

    /// Opens the backend for a command. The rule from issue 5: inside a replica (the working
    /// directory or one above it holds `.galley/`, or `replica` names one) the replica wins over
    /// `GALLEY_SERVER`; only an explicit `--server` goes online from there. Otherwise online on
    /// `GALLEY_SERVER` or the default server, over TLS when `tls` is given.
    public static func open(
        explicitServer: String?,
        replica: String? = nil,
        environment: [String: String],
        token: String?,
        tls: ClientTLS? = nil,
        workingDirectory: String = FileManager.default.currentDirectoryPath
    ) async throws -> any ContentBackend {
        if explicitServer == nil {
            if let replica { return try ReplicaBackend.open(at: replica) }
            if let found = Replica.find(from: workingDirectory) { return try ReplicaBackend.open(at: found) }
        }
        let address = explicitServer ?? environment["GALLEY_SERVER"].flatMap { $0.isEmpty ? nil : $0 } ?? Self.defaultServer
        return try await OnlineBackend.connect(to: address, token: token, tls: tls)
    }
}
