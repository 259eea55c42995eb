import NIOCore
import NIOSSL

/// TLS for a ``JSONRPCServer``: the certificate chain and private key it presents (PEM files),
/// TLS 1.2 at least, and optionally client certificates it requires and verifies against the
/// certificate authorities in a PEM file.
///
/// The files are read when the value is made, so a missing file or a key that does not match
/// the certificate is reported at startup rather than on the first connection.
public struct ServerTLS: Sendable {
    let context: NIOSSLContext

    /// The pin of the server's leaf certificate: what clients pass as `--tls-pin`.
    public let certificatePin: CertificatePin

    /// True when every client must present a certificate signed by the client CA.
    public let requiresClientCertificates: Bool

    /// Loads the chain (leaf first), the key and, when given, the CAs client certificates must
    /// chain to. Throws ``TLSSetupError`` naming the file that is missing, unreadable or wrong.
    public init(certificateChainFile: String, privateKeyFile: String, clientCAFile: String? = nil) throws(TLSSetupError) {
        let chain = try TLSFiles.certificates(in: certificateChainFile, what: "certificate")
        let key: NIOSSLPrivateKey
        do {
            key = try NIOSSLPrivateKey(file: privateKeyFile, format: .pem)
        } catch {
            throw TLSSetupError("cannot read a PEM private key from \(privateKeyFile): \(error)")
        }
        var configuration = TLSConfiguration.makeServerConfiguration(
            certificateChain: chain.map { .certificate($0) },
            privateKey: .privateKey(key)
        )
        configuration.minimumTLSVersion = .tlsv12
        if let clientCAFile {
            configuration.certificateVerification = .noHostnameVerification
            configuration.trustRoots = .certificates(try TLSFiles.certificates(in: clientCAFile, what: "client CA certificate"))
            configuration.sendCANameList = true
        }
        do {
            self.context = try NIOSSLContext(configuration: configuration)
        } catch {
            throw TLSSetupError("cannot use the certificate \(certificateChainFile) with the key \(privateKeyFile) (do they belong together?): \(error)")
        }
        do {
            self.certificatePin = try CertificatePin(certificate: chain[0])
        } catch {
            throw TLSSetupError("cannot encode the certificate in \(certificateChainFile): \(error)")
        }
        self.requiresClientCertificates = clientCAFile != nil
    }

    /// The handler that goes first in each accepted connection's pipeline.
    func makeHandler() -> NIOSSLServerHandler {
        NIOSSLServerHandler(context: self.context)
    }
}

/// A TLS setting that cannot be used (a missing file, a key that does not match, a bad pin);
/// the description says which and why, ready for a person.
public struct TLSSetupError: Error, Sendable, CustomStringConvertible {
    public let description: String

    public init(_ description: String) {
        self.description = description
    }
}

/// Reading PEM files with errors that name the file.
enum TLSFiles {
    static func certificates(in path: String, what: String) throws(TLSSetupError) -> [NIOSSLCertificate] {
        let certificates: [NIOSSLCertificate]
        do {
            certificates = try NIOSSLCertificate.fromPEMFile(path)
        } catch {
            throw TLSSetupError("cannot read a PEM \(what) from \(path): \(error)")
        }
        guard !certificates.isEmpty else { throw TLSSetupError("\(path) holds no PEM \(what)") }
        return certificates
    }
}
