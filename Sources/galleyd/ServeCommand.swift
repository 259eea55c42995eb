import ArgumentParser
import Foundation
import GalleyPostgres
import GalleyServer
import GalleyStore
import JSONRPCTransport
import Logging
import ServiceLifecycle
import UnixSignals

/// `galleyd [serve]`: runs the server until SIGTERM or SIGINT.
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve",
        abstract: "Run the server (the default command).",
        discussion: """
            Stops on SIGTERM or SIGINT: stops accepting, lets requests in flight finish (up to \
            --shutdown-timeout), closes the database and exits 0.

            Without TLS galleyd listens only on loopback addresses (127.0.0.0/8, ::1); anywhere \
            else it needs --tls-cert and --tls-key, or --insecure-plaintext. At startup it logs the \
            certificate's pin (certificatePin=sha256:...), which clients can give as --tls-pin.

            Examples:
              galleyd serve --listen 127.0.0.1:7420 --data ./galley-data
              galleyd serve --listen 0.0.0.0:7420 --tls-cert server.pem --tls-key server.key
            """
    )

    @Option(name: .long, help: "Address to listen on, HOST:PORT; port 0 picks a free one (env GALLEY_LISTEN).")
    var listen: String = Environment.value("GALLEY_LISTEN") ?? "127.0.0.1:7420"

    @OptionGroup var storage: StorageOptions
    @OptionGroup var logging: LoggingOptions

    @Option(name: .long, help: "Serve TLS with this PEM certificate chain, leaf first (env GALLEY_TLS_CERT); needs --tls-key.")
    var tlsCert: String?

    @Option(name: .long, help: "The PEM private key of --tls-cert (env GALLEY_TLS_KEY).")
    var tlsKey: String?

    @Option(name: .long, help: "Require client certificates signed by a CA in this PEM file (env GALLEY_TLS_CLIENT_CA); needs --tls-cert.")
    var tlsClientCa: String?

    @Flag(
        name: .long,
        help: "Allow plaintext on a non-loopback --listen or --metrics address, e.g. behind a TLS proxy (env GALLEY_INSECURE_PLAINTEXT=1)."
    )
    var insecurePlaintext = false

    @Option(name: .long, help: "Serve Prometheus metrics at http://HOST:PORT/metrics; off unless given (env GALLEY_METRICS).")
    var metrics: String = Environment.value("GALLEY_METRICS") ?? ""

    @Option(name: .long, help: "Largest accepted message in bytes (env GALLEY_MAX_MESSAGE_BYTES).")
    var maxMessageBytes: Int = Environment.value("GALLEY_MAX_MESSAGE_BYTES").flatMap { Int($0) } ?? 16 * 1024 * 1024

    @Option(name: .long, help: "Open connections accepted at once; more are refused with -32029 (env GALLEY_MAX_CONNECTIONS).")
    var maxConnections: Int = Environment.value("GALLEY_MAX_CONNECTIONS").flatMap { Int($0) } ?? 1024

    @Option(name: .long, help: "Requests handled at once per connection before reading pauses (env GALLEY_MAX_IN_FLIGHT).")
    var maxInFlight: Int = Environment.value("GALLEY_MAX_IN_FLIGHT").flatMap { Int($0) } ?? 64

    @Option(name: .long, help: "Seconds a connection may stay unauthenticated (env GALLEY_AUTH_TIMEOUT).")
    var authTimeout: Int = Environment.value("GALLEY_AUTH_TIMEOUT").flatMap { Int($0) } ?? 10

    @Option(name: .long, help: "Seconds one message may take to arrive once it started; slower ones (slowloris) get -32029 and are closed (env GALLEY_FRAME_TIMEOUT).")
    var frameTimeout: Int = Environment.value("GALLEY_FRAME_TIMEOUT").flatMap { Int($0) } ?? 30

    @Option(name: .long, help: "Seconds a connection may be idle (no request, no subscription) before it is closed; 0: never (env GALLEY_IDLE_TIMEOUT).")
    var idleTimeout: Int = Environment.value("GALLEY_IDLE_TIMEOUT").flatMap { Int($0) } ?? 900

    @Option(name: .long, help: "Failed authentications allowed per source address per minute; then -32029 until the budget refills (env GALLEY_AUTH_FAILURES_PER_MINUTE).")
    var authFailuresPerMinute: Int = Environment.value("GALLEY_AUTH_FAILURES_PER_MINUTE").flatMap { Int($0) } ?? AbuseLimits().failedAuthenticationsPerMinute

    @Option(name: .long, help: "Requests per second per token, batch elements counted one by one; more get -32029 (env GALLEY_REQUESTS_PER_SECOND).")
    var requestsPerSecond: Int = Environment.value("GALLEY_REQUESTS_PER_SECOND").flatMap { Int($0) } ?? AbuseLimits().requestsPerSecond

    @Option(name: .long, help: "Seconds to wait for requests in flight on shutdown (env GALLEY_SHUTDOWN_TIMEOUT).")
    var shutdownTimeout: Int = Environment.value("GALLEY_SHUTDOWN_TIMEOUT").flatMap { Int($0) } ?? 10

    @Option(
        name: .long,
        help: "Megabytes of encoded article.get/media.get results kept in memory, each checked against the store before it is served; 0 keeps none (env GALLEY_READ_CACHE_MB)."
    )
    var readCacheMb: Int = Environment.value("GALLEY_READ_CACHE_MB").flatMap { Int($0) } ?? GalleyServer.defaultReadCacheBytes / (1024 * 1024)

    @Flag(
        name: .long,
        help: "Commit every changeset in its own transaction instead of grouping concurrent ones; exists to measure group commit (env GALLEY_NO_GROUP_COMMIT=1)."
    )
    var noGroupCommit = false

    /// The TLS files from the flags or their environment variables.
    var certificateFile: String? { self.tlsCert ?? Environment.value("GALLEY_TLS_CERT") }
    var keyFile: String? { self.tlsKey ?? Environment.value("GALLEY_TLS_KEY") }
    var clientCAFile: String? { self.tlsClientCa ?? Environment.value("GALLEY_TLS_CLIENT_CA") }

    /// The flag or its environment variable: a benchmark starts one server each way.
    var groupCommitDisabled: Bool { self.noGroupCommit || Environment.flag("GALLEY_NO_GROUP_COMMIT") }

    func validate() throws {
        guard TransportConfiguration.parseListenAddress(self.listen) != nil else {
            throw ValidationError("--listen must be HOST:PORT, e.g. 127.0.0.1:7420, not \"\(self.listen)\"")
        }
        guard self.maxMessageBytes >= 1024 else { throw ValidationError("--max-message-bytes must be at least 1024") }
        guard self.maxConnections >= 1 else { throw ValidationError("--max-connections must be at least 1") }
        guard self.maxInFlight >= 1 else { throw ValidationError("--max-in-flight must be at least 1") }
        guard self.authTimeout >= 1 else { throw ValidationError("--auth-timeout must be at least 1 second") }
        guard self.frameTimeout >= 1 else { throw ValidationError("--frame-timeout must be at least 1 second") }
        guard self.idleTimeout >= 0 else { throw ValidationError("--idle-timeout must not be negative") }
        guard self.authFailuresPerMinute >= 1 else { throw ValidationError("--auth-failures-per-minute must be at least 1") }
        guard self.requestsPerSecond >= 1 else { throw ValidationError("--requests-per-second must be at least 1") }
        guard self.shutdownTimeout >= 0 else { throw ValidationError("--shutdown-timeout must not be negative") }
        guard self.readCacheMb >= 0 else { throw ValidationError("--read-cache-mb must not be negative") }
        if !self.metrics.isEmpty, TransportConfiguration.parseListenAddress(self.metrics) == nil {
            throw ValidationError("--metrics must be HOST:PORT, e.g. 127.0.0.1:9420, not \"\(metrics)\"")
        }
        if (self.certificateFile == nil) != (self.keyFile == nil) {
            throw ValidationError("--tls-cert and --tls-key go together")
        }
        if self.clientCAFile != nil, self.certificateFile == nil {
            throw ValidationError("--tls-client-ca needs --tls-cert and --tls-key")
        }
    }

    /// The TLS files loaded, or nil without --tls-cert; a file that cannot be used exits 2.
    private func serverTLS() throws -> ServerTLS? {
        guard let certificate = self.certificateFile, let key = self.keyFile else { return nil }
        do {
            return try ServerTLS(certificateChainFile: certificate, privateKeyFile: key, clientCAFile: self.clientCAFile)
        } catch {
            FileHandle.standardError.write(Data("galleyd: \(error)\n".utf8))
            throw ExitCode(2)
        }
    }

    /// Exits 2, saying why, when a listener would serve plaintext beyond this machine.
    private func refusePlaintextBeyondLoopback(listen: (host: String, port: Int), tls: ServerTLS?) throws {
        let allowed = self.insecurePlaintext || Environment.flag("GALLEY_INSECURE_PLAINTEXT")
        var refusals: [String] = []
        if tls == nil, let refusal = ListenPolicy.plaintextRefusal(host: listen.host, what: "--listen \(self.listen)", insecurePlaintextAllowed: allowed) {
            refusals.append(refusal)
        }
        if let metrics = TransportConfiguration.parseListenAddress(self.metrics),
            let refusal = ListenPolicy.plaintextRefusal(host: metrics.host, what: "--metrics \(self.metrics) (always plaintext)", insecurePlaintextAllowed: allowed)
        {
            refusals.append(refusal)
        }
        guard refusals.isEmpty else {
            FileHandle.standardError.write(Data(refusals.map { "galleyd: \($0)\n" }.joined().utf8))
            throw ExitCode(2)
        }
    }

    func run() async throws {
        let address = TransportConfiguration.parseListenAddress(self.listen)!
        let tls = try self.serverTLS()
        try self.refusePlaintextBeyondLoopback(listen: address, tls: tls)
        let logger = self.logging.bootstrap()
        // One server per SQLite data directory, decided before the store is opened (and migrated).
        let servesSQLite = try self.storage.postgresURL == nil
        let lock: ServingLock.Held?
        do {
            lock = servesSQLite ? try ServingLock.acquire(directory: self.storage.data) : nil
        } catch {
            logger.critical("cannot serve the data directory", metadata: ["data": "\(self.storage.data)", "error": "\(error)"])
            throw ExitCode(1)
        }
        let store: any GalleyStorage
        do {
            store = try await self.storage.openStore(maximumCommitBatch: self.groupCommitDisabled ? 1 : nil, logger: logger)
        } catch let error as StoreError {
            logger.critical("cannot open the store", metadata: ["data": "\(self.storage.data)", "error": "\(error)"])
            throw ExitCode(1)
        }
        defer { withExtendedLifetime(lock) {} }
        let where_: String =
            if let sqlite = store as? SQLiteStore { sqlite.databasePath } else if let postgres = store as? PostgresStore { "\(postgres.url)" } else { "?" }
        logger.info(
            "store opened",
            metadata: [
                "engine": "\(store.engineName)", "database": "\(where_)", "synchronous": "\(self.storage.synchronous)",
                "groupCommit": "\(self.groupCommitDisabled ? "off" : "on")",
            ]
        )
        _ = try await AdminBootstrap.ensureAdminToken(store: store, dataDirectory: self.storage.data, logger: logger)
        let server = try GalleyServer(
            store: store,
            transport: TransportConfiguration(
                host: address.host,
                port: address.port,
                maximumMessageBytes: self.maxMessageBytes,
                maximumConnections: self.maxConnections,
                maximumInFlightPerConnection: self.maxInFlight,
                authenticationDeadline: .seconds(self.authTimeout),
                frameReadDeadline: .seconds(self.frameTimeout),
                idleTimeout: self.idleTimeout == 0 ? nil : .seconds(self.idleTimeout),
                tls: tls
            ),
            limits: AbuseLimits(failedAuthenticationsPerMinute: self.authFailuresPerMinute, requestsPerSecond: self.requestsPerSecond),
            readCacheBytes: self.readCacheMb * 1024 * 1024,
            logger: logger
        )
        var services: [ServiceGroupConfiguration.ServiceConfiguration] = [.init(service: server)]
        if let address = TransportConfiguration.parseListenAddress(self.metrics) {
            services.append(.init(service: MetricsEndpoint(host: address.host, port: address.port, server: server, logger: logger)))
        }
        var configuration = ServiceGroupConfiguration(
            services: services,
            gracefulShutdownSignals: [.sigterm, .sigint],
            logger: logger
        )
        configuration.maximumGracefulShutdownDuration = .seconds(self.shutdownTimeout)
        try await ServiceGroup(configuration: configuration).run()
        logger.info("stopped")
    }
}
