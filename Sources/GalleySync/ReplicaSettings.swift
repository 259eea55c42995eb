import Foundation
import JSONRPC
import JSONRPCTransport

/// What a replica remembers outside its database: the server it mirrors (in
/// `.galley/settings.json`) and, unless the editor chose otherwise, the token (in `.galley/token`,
/// mode 0600, never inside the database so that copying the database does not leak it).
public struct ReplicaSettings: Sendable, Hashable {
    /// `HOST:PORT` of the server.
    public var server: String

    /// The pin of the certificate the server presented when the replica first connected over
    /// TLS (its clone); nil for a replica of a plaintext server. While set, every connection is
    /// TLS and must see exactly this certificate.
    public var tlsPin: CertificatePin?

    /// Settings for a replica of `server` (`HOST:PORT`).
    public init(server: String, tlsPin: CertificatePin? = nil) {
        self.server = server
        self.tlsPin = tlsPin
    }

    var json: JSONValue {
        var object: JSONObject = ["server": .string(self.server)]
        if let tlsPin { object["tls"] = .object(["pin": .string(tlsPin.description)]) }
        return .object(object)
    }

    static func read(from path: String) throws -> ReplicaSettings {
        let text: String
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw ReplicaError.unusable("cannot read \(path): \(error.localizedDescription)")
        }
        guard let value = try? JSONParser.parse(text), let server = value["server"]?.stringValue else {
            throw ReplicaError.unusable("\(path) is not a replica settings file (it needs {\"server\": \"HOST:PORT\"})")
        }
        var settings = ReplicaSettings(server: server)
        if let tls = value["tls"] {
            guard let text = tls["pin"]?.stringValue, let pin = CertificatePin(text) else {
                throw ReplicaError.unusable("\(path): tls.pin must be sha256: and 64 hex digits")
            }
            settings.tlsPin = pin
        }
        return settings
    }

    func write(to path: String) throws {
        try SecretFile.writeAtomically(JSONWriter.prettyString(self.json) + "\n", to: path, mode: 0o644)
    }
}

/// Writing small files atomically (temp file, fsync, rename), with a mode set before any byte
/// lands, so a token file is never readable by others even for an instant.
enum SecretFile {
    static func writeAtomically(_ text: String, to path: String, mode: mode_t) throws {
        let temporary = path + ".tmp-\(getpid())"
        let descriptor = open(temporary, O_CREAT | O_WRONLY | O_TRUNC, mode)
        guard descriptor >= 0 else { throw ReplicaError.unusable("cannot write \(temporary): \(String(cString: strerror(errno)))") }
        fchmod(descriptor, mode)
        let bytes = Array(text.utf8)
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        fsync(descriptor)
        close(descriptor)
        guard written == bytes.count else {
            unlink(temporary)
            throw ReplicaError.unusable("cannot write \(path): short write")
        }
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw ReplicaError.unusable("cannot write \(path): \(String(cString: strerror(errno)))")
        }
    }
}
