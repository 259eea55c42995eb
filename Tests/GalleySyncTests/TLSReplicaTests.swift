import Foundation
import GalleyClient
import GalleyTestSupport
import JSONRPCTransport
import Testing

@testable import GalleySync

/// A replica cloned over TLS remembers the server certificate's pin and accepts only it.
@Suite(.enabled(if: TestCertificates.unavailableReason == nil, "needs the openssl command to make test certificates"))
struct TLSReplicaTests {
    @Test func aCloneOverTLSStoresThePinAndLaterPullsVerifyIt() async throws {
        let certificates = try await TestCertificates.shared()
        let tls = try ServerTLS(certificateChainFile: certificates.serverCertificate, privateKeyFile: certificates.serverKey)
        let otherPin = try ServerTLS(certificateChainFile: certificates.selfSignedCertificate, privateKeyFile: certificates.selfSignedKey).certificatePin
        try await TestServer.with(configure: { $0.tls = tls }) { server in
            let client = try await server.client()
            try await client.commit([Fixtures.article("Filed over TLS")])
            try await Fixtures.withReplicas(1, of: server) { replicas in
                // The clone's first connection checks the certificate against the CA and saves its pin.
                let first = try await ReplicaSync.connect(replicas[0], tls: ClientTLS(trust: .certificateAuthorities(file: certificates.caCertificate)))
                try await ReplicaSync(replica: replicas[0], client: first).pull()
                await first.close()
                let reopened = try Replica.open(at: replicas[0].directory)
                #expect(reopened.settings.tlsPin == tls.certificatePin)

                // Later pulls are TLS by themselves, checked against the pin.
                try await client.commit([Fixtures.article("Second story")])
                #expect(try await Fixtures.pull(reopened).entities == 1)
                try await Fixtures.expectSameContent(reopened, server)

                // A replica whose pin no longer matches the server's certificate is refused.
                var changed = reopened.settings
                changed.tlsPin = otherPin
                try changed.write(to: Replica.settingsPath(reopened.directory))
                do {
                    let client = try await ReplicaSync.connect(try Replica.open(at: reopened.directory))
                    await client.close()
                    Issue.record("a certificate other than the pinned one was accepted")
                } catch ReplicaError.certificateChanged(_, let pinned, let presented) {
                    #expect(pinned == otherPin)
                    #expect(presented == tls.certificatePin)
                }
                // A resumed clone keeps the pin it saved rather than starting over without it.
                let resumed = try Replica.create(at: reopened.directory, server: server.address, token: nil, saveToken: false)
                #expect(resumed.settings.tlsPin == otherPin)
            }
            await client.close()
        }
    }
}
