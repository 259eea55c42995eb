import ArgumentParser
import Foundation
import JSONRPCTransport

/// `--tls`, `--tls-ca`, `--tls-pin`: whether to speak TLS and how to trust the server's
/// certificate; shared by online commands, `clone` and the replica commands (a replica
/// remembers the pin from its clone, so these are needed there only to replace it).
struct TLSOptions: ParsableArguments {
    @Flag(name: .long, help: "Connect over TLS, trusting the system's certificate authorities unless --tls-ca or --tls-pin is given (env GALLEY_TLS=1).")
    var tls = false

    @Option(name: .customLong("tls-ca"), help: "Trust server certificates signed by a CA in this PEM file; implies --tls (env GALLEY_TLS_CA).")
    var tlsCA: String?

    @Option(name: .long, help: "Trust exactly the server certificate with this pin, sha256:HEX (galleyd logs it at startup); implies --tls (env GALLEY_TLS_PIN).")
    var tlsPin: String?

    @Option(name: .long, help: "A PEM client certificate, for servers that require one (with --tls-client-key).")
    var tlsClientCert: String?

    @Option(name: .long, help: "The PEM private key of --tls-client-cert.")
    var tlsClientKey: String?

    func validate() throws {
        _ = try self.resolved()
    }

    /// The TLS settings asked for, or nil for plaintext. Flags win over the environment.
    func resolved(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ClientTLS? {
        func value(_ name: String) -> String? { environment[name].flatMap { $0.isEmpty ? nil : $0 } }
        let caFile = self.tlsCA ?? (self.tlsPin == nil ? value("GALLEY_TLS_CA") : nil)
        let pinText = self.tlsPin ?? (self.tlsCA == nil ? value("GALLEY_TLS_PIN") : nil)
        let enabled = self.tls || ["1", "true", "yes", "on"].contains(value("GALLEY_TLS")?.lowercased() ?? "")
        if caFile != nil, pinText != nil { throw ValidationError("give --tls-ca or --tls-pin, not both") }
        if (self.tlsClientCert == nil) != (self.tlsClientKey == nil) {
            throw ValidationError("--tls-client-cert and --tls-client-key go together")
        }
        var trust = ClientTLS.Trust.system
        if let caFile { trust = .certificateAuthorities(file: caFile) }
        if let pinText {
            guard let pin = CertificatePin(pinText) else {
                throw ValidationError("--tls-pin must be sha256: followed by 64 hex digits, not \"\(pinText)\"")
            }
            trust = .pin(pin)
        }
        guard enabled || caFile != nil || pinText != nil || self.tlsClientCert != nil else { return nil }
        return ClientTLS(trust: trust, clientCertificateFile: self.tlsClientCert, clientKeyFile: self.tlsClientKey)
    }
}
