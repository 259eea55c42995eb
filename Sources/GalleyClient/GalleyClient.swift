import JSONRPC
import JSONRPCTransport

/// A connection to galleyd, authenticated when a token is given.
public final class GalleyClient: Sendable {
    /// The underlying connection, for raw calls and notifications.
    public let connection: JSONRPCClientConnection

    private init(connection: JSONRPCClientConnection) {
        self.connection = connection
    }

    /// Connects to `address` (`HOST:PORT`), over TLS when `tls` is given, and, with a token,
    /// authenticates (the token is sent only after the handshake has checked the server).
    public static func connect(to address: String, token: String? = nil, tls: ClientTLS? = nil) async throws -> GalleyClient {
        guard let (host, port) = TransportConfiguration.parseListenAddress(address) else {
            throw ClientError.cannotConnect(host: address, port: 0, reason: "the address must be HOST:PORT")
        }
        return try await Self.connect(host: host, port: port, token: token, tls: tls)
    }

    /// Connects to `host:port`, over TLS when `tls` is given, and, with a token, authenticates.
    public static func connect(host: String, port: Int, token: String? = nil, tls: ClientTLS? = nil) async throws -> GalleyClient {
        let connection = try await JSONRPCClientConnection.connect(host: host, port: port, tls: tls)
        let client = GalleyClient(connection: connection)
        if let token {
            do {
                _ = try await client.call("auth.authenticate", ["token": .string(token)])
            } catch {
                await connection.close()
                throw error
            }
        }
        return client
    }

    /// The pin of the server's certificate on a TLS connection (nil without TLS).
    public var serverCertificatePin: CertificatePin? { self.connection.serverCertificatePin }

    /// Calls a method with named params; errors from the server are thrown as ``JSONRPCError``.
    public func call(_ method: String, _ params: JSONObject = [:]) async throws -> JSONValue {
        try await self.connection.call(method, params: .object(params))
    }

    /// Calls `method` and returns its result's JSON text as the server wrote it (checked, not
    /// parsed): for large results read in part and kept as text, like `sync.pull` pages.
    public func callText(_ method: String, _ params: JSONObject = [:]) async throws -> [UInt8] {
        try await self.connection.callText(method, params: .object(params))
    }

    /// Sends a call now and returns a task that waits for its result; calls started one after
    /// another reach the server in that order.
    public func start(_ method: String, _ params: JSONObject = [:]) -> Task<JSONValue, any Error> {
        self.connection.start(method, params: .object(params))
    }

    public func close() async {
        await self.connection.close()
    }
}
