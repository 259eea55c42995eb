import JSONRPC
import JSONRPCTransport

/// Why a replica operation failed, in words an editor can act on.
public enum ReplicaError: Error, Sendable, CustomStringConvertible {
    /// No replica at or above the directory (`galley clone` makes one).
    case notAReplica(String)
    /// The directory already holds a replica of another server, or files that are not a replica.
    case alreadyExists(String)
    /// The replica database or its settings cannot be used.
    case unusable(String)
    /// The database was written by a newer galley; it was not touched.
    case schemaTooNew(unknownMigrations: [String])
    /// A local edit the server would refuse, with the error the server would answer
    /// (same code, message and data).
    case refused(JSONRPCError)
    /// No open conflict with that id.
    case noSuchConflict(Int64)
    /// A resolution that does not fit the conflict (e.g. `--set` on a deleted entity).
    case invalidResolution(String)
    /// No token was given and none is saved in the replica.
    case noToken
    /// The server presented a certificate other than the one the replica pinned at its clone.
    case certificateChanged(server: String, pinned: CertificatePin, presented: CertificatePin)

    public var description: String {
        switch self {
        case .notAReplica(let path):
            "\(path) is not inside a replica; make one with `galley clone HOST:PORT DIR` or pass --replica PATH"
        case .alreadyExists(let reason):
            reason
        case .unusable(let reason):
            reason
        case .schemaTooNew(let unknown):
            "the replica was written by a newer galley (unknown migrations: \(unknown.joined(separator: ", "))); upgrade galley, the replica was not touched"
        case .refused(let error):
            "refused: \(error.message)"
        case .noSuchConflict(let id):
            "no open conflict \(id); `galley conflicts` lists them"
        case .invalidResolution(let reason):
            reason
        case .noToken:
            "no token: pass --token, --token-file or GALLEY_TOKEN (the replica saved none)"
        case .certificateChanged(let server, let pinned, let presented):
            """
            refused: the server at \(server) presented a different TLS certificate than at the clone \
            (pinned \(pinned), now \(presented)). Someone may be intercepting the connection; nothing \
            was sent. If the server's operator confirms the certificate was replaced and its pin is \
            \(presented), run the command again with --tls-pin \(presented) to pin it.
            """
        }
    }
}
