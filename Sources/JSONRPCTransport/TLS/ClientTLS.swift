import NIOCore
import NIOSSL
import NIOTLS
import NIOConcurrencyHelpers

/// TLS for a ``JSONRPCClientConnection``: how the server's certificate is trusted, TLS 1.2 at
/// least, and optionally a client certificate for servers that require one.
public struct ClientTLS: Sendable, Hashable {
    /// How the server's certificate is checked.
    public enum Trust: Sendable, Hashable {
        /// Chains to the system's certificate authorities and names the host connected to.
        case system
        /// Chains to a certificate authority in this PEM file and names the host connected to.
        case certificateAuthorities(file: String)
        /// Is exactly this certificate (SHA-256 of its DER); no authority or name is checked.
        case pin(CertificatePin)
    }

    public var trust: Trust
    /// A PEM certificate (chain) to present to servers that require client certificates.
    public var clientCertificateFile: String?
    /// The PEM private key of ``clientCertificateFile``.
    public var clientKeyFile: String?
    /// How long the handshake may take after the TCP connection is up.
    public var handshakeTimeout: Duration

    public init(
        trust: Trust = .system,
        clientCertificateFile: String? = nil,
        clientKeyFile: String? = nil,
        handshakeTimeout: Duration = .seconds(10)
    ) {
        self.trust = trust
        self.clientCertificateFile = clientCertificateFile
        self.clientKeyFile = clientKeyFile
        self.handshakeTimeout = handshakeTimeout
    }

    /// Reads the files this configuration names. Throws ``TLSSetupError`` naming a file that is
    /// missing or not PEM.
    func makeContext() throws(TLSSetupError) -> NIOSSLContext {
        var configuration = TLSConfiguration.makeClientConfiguration()
        configuration.minimumTLSVersion = .tlsv12
        switch self.trust {
        case .system:
            break
        case .certificateAuthorities(let file):
            configuration.trustRoots = .certificates(try TLSFiles.certificates(in: file, what: "CA certificate"))
        case .pin:
            // The verification callback replaces chain and name checks with the pin comparison.
            configuration.certificateVerification = .noHostnameVerification
        }
        switch (self.clientCertificateFile, self.clientKeyFile) {
        case (nil, nil):
            break
        case (let certificateFile?, let keyFile?):
            let chain = try TLSFiles.certificates(in: certificateFile, what: "client certificate")
            configuration.certificateChain = chain.map { .certificate($0) }
            do {
                configuration.privateKey = .privateKey(try NIOSSLPrivateKey(file: keyFile, format: .pem))
            } catch {
                throw TLSSetupError("cannot read a PEM private key from \(keyFile): \(error)")
            }
        default:
            throw TLSSetupError("a client certificate needs both its certificate file and its key file")
        }
        do {
            return try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSSetupError("cannot set up TLS: \(error)")
        }
    }

    /// The handler that goes first in the connection's pipeline. With a pin, a custom
    /// verification callback compares the leaf certificate and records what it saw in `check`.
    func makeHandler(context: NIOSSLContext, host: String, check: PinCheck) throws -> NIOSSLClientHandler {
        // An IP address is checked against the certificate's IP SANs through the socket address;
        // only names go into SNI.
        let serverName: String? = host.isIPAddress ? nil : host
        guard case .pin(let expected) = self.trust else {
            return try NIOSSLClientHandler(context: context, serverHostname: serverName)
        }
        let verify: NIOSSLCustomVerificationCallback = { certificates, promise in
            guard let leaf = certificates.first, let actual = try? CertificatePin(certificate: leaf) else {
                promise.succeed(.failed)
                return
            }
            check.record(actual)
            promise.succeed(actual == expected ? .certificateVerified : .failed)
        }
        return try NIOSSLClientHandler(context: context, serverHostname: serverName, customVerificationCallback: verify)
    }
}

/// What the pin callback saw, so a failed handshake can say which certificate the server showed.
final class PinCheck: Sendable {
    private let seen = NIOLockedValueBox<CertificatePin?>(nil)

    func record(_ pin: CertificatePin) { self.seen.withLockedValue { $0 = pin } }
    var actual: CertificatePin? { self.seen.withLockedValue { $0 } }
}

/// Completes `handshake` with the server certificate's pin once the TLS handshake is done, or
/// fails it with whatever ended the connection first (a handshake error, a close, the timeout).
final class TLSHandshakeWatcher: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias InboundOut = ByteBuffer

    private let handshake: EventLoopPromise<CertificatePin>
    private let timeout: Duration
    private var done = false
    private var timer: Scheduled<Void>?

    init(handshake: EventLoopPromise<CertificatePin>, timeout: Duration) {
        self.handshake = handshake
        self.timeout = timeout
    }

    func handlerAdded(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        let nanoseconds = self.timeout.components.seconds * 1_000_000_000 + self.timeout.components.attoseconds / 1_000_000_000
        self.timer = context.eventLoop.scheduleTask(in: .nanoseconds(nanoseconds)) {
            let (watcher, context) = loopBound.value
            watcher.finish(.failure(TLSHandshakeTimeout()))
            context.close(promise: nil)
        }
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? TLSUserEvent, case .handshakeCompleted = event {
            do {
                guard let certificate = try context.pipeline.syncOperations.nioSSL_peerCertificate() else {
                    throw TLSSetupError("the server presented no certificate")
                }
                self.finish(.success(try CertificatePin(certificate: certificate)))
            } catch {
                self.finish(.failure(error))
                context.close(promise: nil)
            }
        }
        context.fireUserInboundEventTriggered(event)
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        self.finish(.failure(error))
        context.fireErrorCaught(error)
    }

    func channelInactive(context: ChannelHandlerContext) {
        self.finish(.failure(ClientError.connectionClosed))
        context.fireChannelInactive()
    }

    private func finish(_ result: Result<CertificatePin, any Error>) {
        guard !self.done else { return }
        self.done = true
        self.timer?.cancel()
        self.handshake.completeWith(result)
    }
}

struct TLSHandshakeTimeout: Error, CustomStringConvertible {
    var description: String { "the TLS handshake did not finish in time (is the server speaking TLS?)" }
}

extension String {
    /// True for an IPv4 or IPv6 address literal.
    var isIPAddress: Bool {
        (try? SocketAddress(ipAddress: self, port: 0)) != nil
    }
}
