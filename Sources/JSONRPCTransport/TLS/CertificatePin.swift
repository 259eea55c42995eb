import Crypto
import NIOSSL

/// A pinned server certificate: `sha256:` followed by the lowercase hex SHA-256 of the leaf
/// certificate's DER encoding (what `openssl x509 -outform der | sha256sum` prints).
///
/// A pin names one certificate exactly, so it needs no certificate authority and no host name:
/// it is what a replica remembers from its clone and what a self-signed server is trusted by.
public struct CertificatePin: Sendable, Hashable, CustomStringConvertible {
    /// The 32 bytes of the SHA-256 digest.
    public let digest: [UInt8]

    /// Parses `sha256:<64 hex digits>` (hex in either case, `:` between byte pairs allowed);
    /// nil for anything else.
    public init?(_ text: String) {
        guard text.lowercased().hasPrefix("sha256:") else { return nil }
        let hex = text.dropFirst("sha256:".count).filter { $0 != ":" }
        guard hex.count == 64 else { return nil }
        var digest: [UInt8] = []
        digest.reserveCapacity(32)
        var index = hex.startIndex
        while index < hex.endIndex {
            let next = hex.index(index, offsetBy: 2)
            guard let byte = UInt8(hex[index..<next], radix: 16) else { return nil }
            digest.append(byte)
            index = next
        }
        self.digest = digest
    }

    /// The pin of the certificate whose DER encoding is `der`.
    public init(certificateDER der: [UInt8]) {
        self.digest = Array(SHA256.hash(data: der))
    }

    init(certificate: NIOSSLCertificate) throws {
        self.init(certificateDER: try certificate.toDERBytes())
    }

    /// `sha256:<hex>`, the form `--tls-pin` takes.
    public var description: String {
        "sha256:" + self.digest.map { byte in
            let hex = String(byte, radix: 16)
            return byte < 16 ? "0" + hex : hex
        }.joined()
    }
}
