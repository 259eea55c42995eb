import Crypto
import Foundation

/// Name-based UUIDs (RFC 9562 version 5: SHA-1 of a namespace and a name). The same inputs always
/// give the same id, which makes a changeset id a function of what the changeset is for: a re-run
/// of the same bulk run or import sends the same ids, and the server replays or skips them.
public enum UUIDv5 {
    /// The namespace of every id the CLI derives (itself a v5 id of "galley-cli" in the URL namespace).
    public static let galleyNamespace = "35fd7c41-a47e-5363-8b90-0b18e7cbafd1"

    /// The lowercase v5 UUID of `name` in `namespace` (a UUID string).
    public static func make(namespace: String, name: String) -> String {
        var bytes = Self.bytes(of: namespace)
        bytes.append(contentsOf: Array(name.utf8))
        var digest = Array(Insecure.SHA1.hash(data: bytes)).prefix(16).map { $0 }
        digest[6] = (digest[6] & 0x0F) | 0x50
        digest[8] = (digest[8] & 0x3F) | 0x80
        let hex = digest.map { byte in (byte < 16 ? "0" : "") + String(byte, radix: 16) }.joined()
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }

    private static func bytes(of uuid: String) -> [UInt8] {
        let hex = Array(uuid.lowercased().filter { $0 != "-" }.utf8)
        var bytes: [UInt8] = []
        var index = 0
        while index + 1 < hex.count {
            bytes.append(UInt8(Self.nibble(hex[index]) << 4 | Self.nibble(hex[index + 1])))
            index += 2
        }
        return bytes
    }

    private static func nibble(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        default: 0
        }
    }
}
