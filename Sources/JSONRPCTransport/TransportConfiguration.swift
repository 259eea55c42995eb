/// The limits and addresses of a ``JSONRPCServer``.
public struct TransportConfiguration: Sendable {
    public var host: String
    /// 0 picks a free port (tests); the bound address is reported through `onListening`.
    public var port: Int
    /// The largest message accepted; a larger one is answered with `-32600 message_too_large`.
    public var maximumMessageBytes: Int
    /// Connections past this number get one `-32029 overloaded` error and are closed.
    public var maximumConnections: Int
    /// Requests handled at once per connection; at the bound the server stops reading that socket.
    public var maximumInFlightPerConnection: Int
    /// How long a connection may stay unauthenticated.
    public var authenticationDeadline: Duration
    /// How long one message may take to arrive once its first byte has (slowloris defence).
    public var frameReadDeadline: Duration
    /// How long an authenticated connection may stay idle (nothing read, no request in flight,
    /// no subscription) before it is closed; nil: never.
    public var idleTimeout: Duration?
    /// How long a closing connection keeps reading (and discarding) so the client can read its error
    /// instead of seeing a reset.
    public var lingerDuration: Duration
    /// TLS for every connection; nil serves plaintext.
    public var tls: ServerTLS?

    public init(
        host: String = "127.0.0.1",
        port: Int = 7420,
        maximumMessageBytes: Int = 16 * 1024 * 1024,
        maximumConnections: Int = 1024,
        maximumInFlightPerConnection: Int = 64,
        authenticationDeadline: Duration = .seconds(10),
        frameReadDeadline: Duration = .seconds(30),
        idleTimeout: Duration? = .seconds(900),
        lingerDuration: Duration = .seconds(2),
        tls: ServerTLS? = nil
    ) {
        self.frameReadDeadline = frameReadDeadline
        self.idleTimeout = idleTimeout
        self.host = host
        self.port = port
        self.maximumMessageBytes = maximumMessageBytes
        self.maximumConnections = maximumConnections
        self.maximumInFlightPerConnection = maximumInFlightPerConnection
        self.authenticationDeadline = authenticationDeadline
        self.lingerDuration = lingerDuration
        self.tls = tls
    }

    /// Parses `HOST:PORT` (`[::1]:7420` for IPv6).
    public static func parseListenAddress(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = String(text[..<colon])
        guard let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        guard !host.isEmpty else { return nil }
        return (host, port)
    }
}
