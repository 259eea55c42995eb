import NIOCore

/// Where a server may listen without TLS: on loopback addresses (127.0.0.0/8 and ::1), which only
/// this machine can reach; anywhere else only when the operator says so explicitly.
public enum ListenPolicy {
    /// True for an IP literal in 127.0.0.0/8, `::1`, or an IPv4-mapped `::ffff:127.x.y.z`. Host
    /// names (even `localhost`) are false: what they resolve to is not known here.
    public static func isLoopback(host: String) -> Bool {
        // Parsed and printed back by the C library, so every spelling of an address
        // (`0:0:0:0:0:0:0:1`, `::FFFF:7f00:1`) arrives in its one canonical form.
        guard let address = try? SocketAddress(ipAddress: host, port: 0), let canonical = address.ipAddress?.lowercased() else {
            return false
        }
        switch address.protocol {
        case .inet:
            return canonical.hasPrefix("127.")
        case .inet6:
            return canonical == "::1" || canonical.hasPrefix("::ffff:127.")
        default:
            return false
        }
    }

    /// Nil when serving plaintext on `host` is allowed; otherwise the message that explains the
    /// refusal. `what` names the listener in the message (e.g. `--listen 0.0.0.0:7420`).
    public static func plaintextRefusal(host: String, what: String, insecurePlaintextAllowed: Bool) -> String? {
        guard !insecurePlaintextAllowed, !Self.isLoopback(host: host) else { return nil }
        return """
            refusing to serve plaintext on \(what): \(host) is not a loopback address, so tokens and \
            content would cross the network unencrypted. Give --tls-cert FILE --tls-key FILE to serve \
            TLS, listen on 127.0.0.1 or ::1, or pass --insecure-plaintext if something in front of \
            galleyd (a TLS proxy, a private network) protects the traffic.
            """
    }
}
