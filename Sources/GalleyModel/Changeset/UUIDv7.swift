import Foundation

/// Time-ordered UUIDs (RFC 9562 version 7) for server-generated ids: consecutive ids land next to
/// each other in B-tree indexes. Written by hand because Debian 12's libuuid (2.38) has no
/// `uuid_generate_time_v7` and Foundation only makes version 4.
public enum UUIDv7 {
    /// A new lowercase UUIDv7 string: 48 bits of Unix milliseconds, version and variant bits,
    /// and 74 random bits.
    public static func make(now: Date = Date()) -> String {
        var generator = SystemRandomNumberGenerator()
        var bytes = (0..<16).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        let milliseconds = UInt64(max(0, now.timeIntervalSince1970 * 1000))
        for index in 0..<6 {
            bytes[index] = UInt8(truncatingIfNeeded: milliseconds >> UInt64(8 * (5 - index)))
        }
        bytes[6] = (bytes[6] & 0x0F) | 0x70
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { byte -> String in
            let text = String(byte, radix: 16)
            return byte < 16 ? "0" + text : text
        }.joined()
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }
}
