import Foundation

/// Certificates and keys made at test time with the `openssl` command (never committed): a test
/// CA and a server certificate it signed, a self-signed server certificate, and a client CA with
/// a client certificate. Server certificates name `127.0.0.1`, `::1` and `localhost`. EC P-256
/// keys, valid for two days, in one temporary directory per test process.
public struct TestCertificates: Sendable {
    public let directory: String

    /// The test CA (PEM) that signed ``serverCertificate``.
    public var caCertificate: String { self.directory + "/ca.pem" }
    /// A server certificate signed by ``caCertificate``, and its key.
    public var serverCertificate: String { self.directory + "/server.pem" }
    public var serverKey: String { self.directory + "/server.key" }
    /// A self-signed server certificate (its own CA), and its key: "another server".
    public var selfSignedCertificate: String { self.directory + "/self-signed.pem" }
    public var selfSignedKey: String { self.directory + "/self-signed.key" }
    /// The CA client certificates must chain to, and a client certificate it signed.
    public var clientCACertificate: String { self.directory + "/client-ca.pem" }
    public var clientCertificate: String { self.directory + "/client.pem" }
    public var clientKey: String { self.directory + "/client.key" }

    /// The openssl command, if installed.
    public static let openssl: URL? = ["/usr/bin/openssl", "/usr/local/bin/openssl", "/opt/homebrew/bin/openssl"]
        .first(where: FileManager.default.isExecutableFile(atPath:))
        .map { URL(fileURLWithPath: $0) }

    /// Why TLS tests cannot run here, or nil when they can.
    public static let unavailableReason: String? =
        Self.openssl == nil ? "the openssl command is not installed (apt-get install openssl): cannot make test certificates" : nil

    private static let maker = Maker()

    /// The certificates, made once per test process (without blocking a thread of the
    /// cooperative pool, which has only as many threads as cores).
    public static func shared() async throws -> TestCertificates {
        try await Self.maker.certificates()
    }

    private actor Maker {
        private var making: Task<TestCertificates, any Error>?

        func certificates() async throws -> TestCertificates {
            if let making = self.making { return try await making.value }
            let task = Task {
                guard let openssl = TestCertificates.openssl else { throw TestFailure(TestCertificates.unavailableReason ?? "no openssl") }
                let directory = try TemporaryDirectory.make()
                try await TestCertificates.make(in: directory, openssl: openssl)
                return TestCertificates(directory: directory)
            }
            self.making = task
            return try await task.value
        }
    }

    private static func make(in directory: String, openssl: URL) async throws {
        let newKey = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        let serverNames = "subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost"
        try """
            basicConstraints=CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=serverAuth
            \(serverNames)
            """.write(toFile: directory + "/server.ext", atomically: true, encoding: .utf8)
        try """
            basicConstraints=CA:FALSE
            keyUsage=critical,digitalSignature
            extendedKeyUsage=clientAuth
            """.write(toFile: directory + "/client.ext", atomically: true, encoding: .utf8)
        let caExtensions = ["-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign"]
        let steps: [[String]] = [
            ["req", "-x509"] + newKey + ["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=Galley Test CA"] + caExtensions,
            ["req"] + newKey + ["-keyout", "server.key", "-out", "server.csr", "-subj", "/CN=localhost"],
            ["x509", "-req", "-in", "server.csr", "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial", "-out", "server.pem", "-days", "2", "-extfile", "server.ext"],
            ["req", "-x509"] + newKey + ["-keyout", "self-signed.key", "-out", "self-signed.pem", "-days", "2", "-subj", "/CN=localhost", "-addext", serverNames],
            ["req", "-x509"] + newKey + ["-keyout", "client-ca.key", "-out", "client-ca.pem", "-days", "2", "-subj", "/CN=Galley Test Client CA"] + caExtensions,
            ["req"] + newKey + ["-keyout", "client.key", "-out", "client.csr", "-subj", "/CN=desk-tool"],
            ["x509", "-req", "-in", "client.csr", "-CA", "client-ca.pem", "-CAkey", "client-ca.key", "-CAcreateserial", "-out", "client.pem", "-days", "2", "-extfile", "client.ext"],
        ]
        for arguments in steps {
            let result = try await runCommand(openssl, arguments, directory: directory)
            guard result.status == 0 else {
                throw TestFailure("openssl \(arguments.joined(separator: " ")) failed: \(result.stderr)")
            }
        }
    }
}
