import Foundation
import GalleyClient
import GalleyTestSupport
import JSONRPC
import JSONRPCTransport
import Testing

/// TLS between galleyd and its clients, on real sockets with certificates made at test time.
@Suite(.enabled(if: TestCertificates.unavailableReason == nil, "needs the openssl command to make test certificates"))
struct TLSTests {
    static func serverTLS(requireClientCertificates: Bool = false) async throws -> ServerTLS {
        let certificates = try await TestCertificates.shared()
        return try ServerTLS(
            certificateChainFile: certificates.serverCertificate,
            privateKeyFile: certificates.serverKey,
            clientCAFile: requireClientCertificates ? certificates.clientCACertificate : nil
        )
    }

    /// The pin of the self-signed certificate: "some other server".
    static func otherPin() async throws -> CertificatePin {
        let certificates = try await TestCertificates.shared()
        return try ServerTLS(certificateChainFile: certificates.selfSignedCertificate, privateKeyFile: certificates.selfSignedKey).certificatePin
    }

    @Test func aPinnedConnectionHandshakesAuthenticatesAndCalls() async throws {
        let tls = try await Self.serverTLS()
        try await TestServer.with(configure: { $0.tls = tls }) { server in
            let client = try await GalleyClient.connect(
                host: server.host, port: server.port, token: server.adminToken, tls: ClientTLS(trust: .pin(tls.certificatePin))
            )
            #expect(client.serverCertificatePin == tls.certificatePin)
            #expect(try await client.call("auth.whoami")["role"] == "admin")
            #expect(try await client.call("server.ping") != .null)
            await client.close()
        }
    }

    @Test func thePinIsTheSHA256OfTheLeafCertificateDER() async throws {
        let certificates = try await TestCertificates.shared()
        let computed = try await runCommand(
            URL(fileURLWithPath: "/bin/sh"), ["-c", "openssl x509 -in \"$0\" -outform der | sha256sum", certificates.serverCertificate]
        )
        let hex = try #require(computed.stdout.split(separator: " ").first.map(String.init))
        #expect(try await Self.serverTLS().certificatePin.description == "sha256:" + hex)
        #expect(CertificatePin("SHA256:" + hex.uppercased()) == CertificatePin("sha256:" + hex))
        #expect(CertificatePin("sha256:abc") == nil)
        #expect(CertificatePin("md5:" + hex) == nil)
    }

    @Test func aWrongPinIsRefusedWithBothPinsNamed() async throws {
        let tls = try await Self.serverTLS()
        let wrong = try await Self.otherPin()
        try await TestServer.with(configure: { $0.tls = tls }) { server in
            do {
                let client = try await GalleyClient.connect(host: server.host, port: server.port, token: server.adminToken, tls: ClientTLS(trust: .pin(wrong)))
                await client.close()
                Issue.record("a certificate other than the pinned one was accepted")
            } catch ClientError.certificatePinMismatch(_, _, let expected, let actual) {
                #expect(expected == wrong)
                #expect(actual == tls.certificatePin)
            }
            // The server is unharmed.
            let client = try await GalleyClient.connect(host: server.host, port: server.port, token: server.adminToken, tls: ClientTLS(trust: .pin(tls.certificatePin)))
            await client.close()
        }
    }

    @Test func aCAVerifiedConnectionWorksAndAnUnknownAuthorityIsRefused() async throws {
        let certificates = try await TestCertificates.shared()
        let tls = try await Self.serverTLS()
        try await TestServer.with(configure: { $0.tls = tls }) { server in
            // The certificate names 127.0.0.1 (an IP SAN), which is what the client dialled.
            let trusted = try await GalleyClient.connect(
                host: server.host, port: server.port, token: server.adminToken,
                tls: ClientTLS(trust: .certificateAuthorities(file: certificates.caCertificate))
            )
            #expect(trusted.serverCertificatePin == tls.certificatePin)
            #expect(try await trusted.call("auth.whoami")["role"] == "admin")
            await trusted.close()
            for trust in [ClientTLS.Trust.certificateAuthorities(file: certificates.selfSignedCertificate), .system] {
                await #expect(throws: ClientError.self, "trust \(trust)") {
                    let client = try await GalleyClient.connect(host: server.host, port: server.port, token: server.adminToken, tls: ClientTLS(trust: trust))
                    await client.close()
                }
            }
        }
    }

    @Test func aPlaintextClientGetsACleanCloseAndTheServerKeepsServing() async throws {
        let tls = try await Self.serverTLS()
        try await TestServer.with(configure: { $0.tls = tls }) { server in
            let raw = try await RawConnection.connect(host: server.host, port: server.port)
            try await raw.send(#"{"jsonrpc":"2.0","id":1,"method":"server.ping"}"# + "\n")
            let answer = try await raw.readUntilClosed(timeout: .seconds(10))
            #expect(!answer.contains("jsonrpc"), "no plaintext reply: \(answer)")
            #expect(raw.readError == nil, "closed, not reset")
            await raw.close()
            // A plaintext GalleyClient fails as a lost connection, not a hang.
            await #expect(throws: ClientError.self) {
                let client = try await GalleyClient.connect(host: server.host, port: server.port, token: server.adminToken)
                await client.close()
            }
            let client = try await GalleyClient.connect(host: server.host, port: server.port, token: server.adminToken, tls: ClientTLS(trust: .pin(tls.certificatePin)))
            #expect(try await client.call("auth.whoami")["role"] == "admin")
            await client.close()
        }
    }

    @Test func clientCertificatesAreRequiredAndCheckedWhenConfigured() async throws {
        let certificates = try await TestCertificates.shared()
        let tls = try await Self.serverTLS(requireClientCertificates: true)
        #expect(tls.requiresClientCertificates)
        try await TestServer.with(configure: { $0.tls = tls }) { server in
            let trust = ClientTLS.Trust.certificateAuthorities(file: certificates.caCertificate)
            let withCertificate = try await GalleyClient.connect(
                host: server.host, port: server.port, token: server.adminToken,
                tls: ClientTLS(trust: trust, clientCertificateFile: certificates.clientCertificate, clientKeyFile: certificates.clientKey)
            )
            #expect(try await withCertificate.call("auth.whoami")["role"] == "admin")
            await withCertificate.close()
            // No certificate, or one the client CA did not sign: no call gets through. (With TLS
            // 1.3 the client may finish its side of the handshake before the server refuses.)
            let refused = [
                ClientTLS(trust: trust),
                ClientTLS(trust: trust, clientCertificateFile: certificates.selfSignedCertificate, clientKeyFile: certificates.selfSignedKey),
            ]
            for tls in refused {
                await #expect(throws: ClientError.self) {
                    let client = try await GalleyClient.connect(host: server.host, port: server.port, token: server.adminToken, tls: tls)
                    await client.close()
                }
            }
        }
    }

    @Test func unusableTLSFilesAreReportedByName() async throws {
        let certificates = try await TestCertificates.shared()
        #expect(throws: TLSSetupError.self) {
            try ServerTLS(certificateChainFile: "/nonexistent/server.pem", privateKeyFile: certificates.serverKey)
        }
        do {
            _ = try ServerTLS(certificateChainFile: certificates.serverCertificate, privateKeyFile: certificates.selfSignedKey)
            Issue.record("a key that does not belong to the certificate was accepted")
        } catch {
            #expect(error.description.contains(certificates.selfSignedKey))
        }
    }

    @Test func onlyLoopbackAddressesMayServePlaintext() {
        for host in ["127.0.0.1", "127.1.2.3", "::1", "0:0:0:0:0:0:0:1", "::ffff:127.0.0.1"] {
            #expect(ListenPolicy.isLoopback(host: host), "\(host)")
            #expect(ListenPolicy.plaintextRefusal(host: host, what: "--listen", insecurePlaintextAllowed: false) == nil)
        }
        for host in ["0.0.0.0", "::", "10.0.0.1", "192.168.1.5", "128.0.0.1", "::2", "localhost", "galley.example.org"] {
            #expect(!ListenPolicy.isLoopback(host: host), "\(host)")
            let refusal = ListenPolicy.plaintextRefusal(host: host, what: "--listen \(host):7420", insecurePlaintextAllowed: false)
            #expect(refusal?.contains("--tls-cert") == true && refusal?.contains("--insecure-plaintext") == true)
            #expect(ListenPolicy.plaintextRefusal(host: host, what: "--listen", insecurePlaintextAllowed: true) == nil)
        }
    }

    @Test func galleydRefusesPlaintextBeyondLoopbackWithExitStatus2() async throws {
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        let galleyd = ServerProcess.executable("galleyd")
        let everywhere = try await runCommand(galleyd, ["--listen", "0.0.0.0:0", "--data", directory])
        #expect(everywhere.status == 2)
        #expect(everywhere.stderr.contains("refusing to serve plaintext on --listen 0.0.0.0:0"), "\(everywhere.stderr)")
        let metrics = try await runCommand(galleyd, ["--listen", "127.0.0.1:0", "--metrics", "0.0.0.0:0", "--data", directory])
        #expect(metrics.status == 2)
        #expect(metrics.stderr.contains("--metrics 0.0.0.0:0"), "\(metrics.stderr)")
        let missing = try await runCommand(galleyd, ["--listen", "0.0.0.0:0", "--tls-cert", directory + "/none.pem", "--tls-key", directory + "/none.key", "--data", directory])
        #expect(missing.status == 2)
        #expect(missing.stderr.contains(directory + "/none.pem"), "\(missing.stderr)")
    }

    @Test func galleydServesTLSAndTheCLIConnectsByCAOrPin() async throws {
        let certificates = try await TestCertificates.shared()
        let pin = try await Self.serverTLS().certificatePin
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        let server = try await ServerProcess.start(
            dataDirectory: directory, extraArguments: ["--tls-cert", certificates.serverCertificate, "--tls-key", certificates.serverKey]
        )
        #expect(server.stderrText.contains("certificatePin=\(pin)"), "galleyd logs the pin clients need")
        let galley = ServerProcess.executable("galley")
        let environment = ["GALLEY_SERVER": server.address, "GALLEY_TOKEN": server.adminToken]
        let byCA = try await runCommand(galley, ["call", "auth.whoami", "--tls-ca", certificates.caCertificate], environment: environment)
        #expect(byCA.status == 0, "\(byCA.stderr)")
        #expect(try JSONParser.parse(byCA.stdout)["role"] == "admin")
        let byPin = try await runCommand(galley, ["article", "list", "--tls-pin", pin.description], environment: environment)
        #expect(byPin.status == 0, "\(byPin.stderr)")
        let otherPin = try await Self.otherPin()
        let wrongPin = try await runCommand(galley, ["article", "list", "--tls-pin", otherPin.description], environment: environment)
        #expect(wrongPin.status == 3)
        #expect(wrongPin.stderr.contains("not the pinned one"), "\(wrongPin.stderr)")
        let plaintext = try await runCommand(galley, ["article", "list"], environment: environment)
        #expect(plaintext.status == 3, "\(plaintext.stderr)")
        let badPin = try await runCommand(galley, ["article", "list", "--tls-pin", "sha256:xyz"], environment: environment)
        #expect(badPin.status != 0 && badPin.stderr.contains("--tls-pin must be sha256:"), "\(badPin.stderr)")
        #expect(try await server.stop() == 0)
    }

    @Test(arguments: [("-tls1", false), ("-tls1_1", false), ("-tls1_2", true), ("-tls1_3", true)])
    func opensslSeesTLS10And11RefusedAnd12And13Accepted(version: String, accepted: Bool) async throws {
        let tls = try await Self.serverTLS()
        try await TestServer.with(configure: { $0.tls = tls }) { server in
            // SECLEVEL=0 lets this openssl offer the old versions at all, so a refusal is galleyd's.
            let run = try await runCommand(
                URL(fileURLWithPath: "/bin/sh"),
                ["-c", "openssl s_client -connect \"$0\" \(version) -cipher 'DEFAULT@SECLEVEL=0' </dev/null 2>&1", server.address]
            )
            let negotiated = run.stdout.contains("Protocol  : TLSv1") || run.stdout.contains("Protocol: TLSv1") || run.stdout.contains(", TLSv1")
            if accepted {
                #expect(run.status == 0 && negotiated, "\(version): \(run.stdout.suffix(600))")
            } else {
                // Alert 70 from galleyd: the client offered the version, the server refused it.
                #expect(run.status != 0 && run.stdout.contains("alert protocol version"), "\(version) must be refused: \(run.stdout.suffix(600))")
            }
        }
    }

    @Test func aReplicaClonedOverTLSKeepsItsPinAndRefusesAChangedCertificate() async throws {
        let certificates = try await TestCertificates.shared()
        let pin = try await Self.serverTLS().certificatePin
        let otherPin = try await Self.otherPin()
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        let data = directory + "/galley-data"
        let server = try await ServerProcess.start(
            dataDirectory: data, extraArguments: ["--tls-cert", certificates.serverCertificate, "--tls-key", certificates.serverKey]
        )
        let galley = ServerProcess.executable("galley")
        let tokenFile = directory + "/admin.token"
        try server.adminToken.write(toFile: tokenFile, atomically: true, encoding: .utf8)
        let desk = directory + "/desk"
        let clone = try await runCommand(galley, ["clone", server.address, desk, "--token-file", tokenFile, "--tls-ca", certificates.caCertificate])
        #expect(clone.status == 0, "\(clone.stderr)")
        let settings = try JSONParser.parse(String(contentsOfFile: desk + "/.galley/settings.json", encoding: .utf8))
        #expect(settings["tls"]?["pin"]?.stringValue == pin.description)
        // Later commands need no TLS flags: the replica connects over TLS and checks the pin.
        let pull = try await runCommand(galley, ["pull"], directory: desk)
        #expect(pull.status == 0, "\(pull.stderr)")

        // The same address now presents another certificate: refused, with both pins named.
        let port = server.port
        #expect(try await server.stop() == 0)
        let impostor = try await ServerProcess.start(
            dataDirectory: data,
            extraArguments: ["--listen", "127.0.0.1:\(port)", "--tls-cert", certificates.selfSignedCertificate, "--tls-key", certificates.selfSignedKey]
        )
        let refused = try await runCommand(galley, ["pull"], directory: desk)
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("different TLS certificate"), "\(refused.stderr)")
        #expect(refused.stderr.contains(pin.description) && refused.stderr.contains(otherPin.description))
        // An editor who confirmed the new certificate pins it explicitly; it is remembered.
        let confirmed = try await runCommand(galley, ["pull", "--tls-pin", otherPin.description], directory: desk)
        #expect(confirmed.status == 0, "\(confirmed.stderr)")
        let updated = try JSONParser.parse(String(contentsOfFile: desk + "/.galley/settings.json", encoding: .utf8))
        #expect(updated["tls"]?["pin"]?.stringValue == otherPin.description)
        #expect(try await runCommand(galley, ["sync"], directory: desk).status == 0)
        #expect(try await impostor.stop() == 0)
    }
}
