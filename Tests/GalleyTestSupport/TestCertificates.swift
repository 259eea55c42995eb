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

    /// Why TLS tests cannot run here, or nil when they can.
    public static let unavailableReason: String? = {
        switch Self.made {
        case .success: nil
        case .failure(let error): "cannot make test certificates: \(error)"
        }
    }()

    /// The certificates, made once per test process.
    public static func shared() throws -> TestCertificates {
        try Self.made.get()
    }

    private static let made: Result<TestCertificates, TestFailure> = {
        guard let openssl = ["/usr/bin/openssl", "/usr/local/bin/openssl", "/opt/homebrew/bin/openssl"].first(where: FileManager.default.isExecutableFile(atPath:))
        else {
            return .failure(TestFailure("the openssl command is not installed (apt-get install openssl)"))
        }
        do {
            let directory = try TemporaryDirectory.make()
            try Self.make(in: directory, openssl: URL(fileURLWithPath: openssl))
            return .success(TestCertificates(directory: directory))
        } catch let error as TestFailure {
            return .failure(error)
        } catch {
            return .failure(TestFailure("\(error)"))
        }
    }()

    private static func make(in directory: String, openssl: URL) throws {
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
            let process = Process()
            process.executableURL = openssl
            process.arguments = arguments
            process.currentDirectoryURL = URL(fileURLWithPath: directory)
            let errors = Pipe()
            process.standardError = errors
            process.standardOutput = FileHandle.nullDevice
            try process.run()
            let message = errors.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            guard process.terminationStatus == 0 else {
                throw TestFailure("openssl \(arguments.joined(separator: " ")) failed: \(String(decoding: message, as: UTF8.self))")
            }
        }
    }
}
