import Crypto
import Foundation
import GalleyModel

/// Makes access tokens and the hashes they are stored as.
public enum TokenMinter {
    /// A new random token: 256 bits from the system's cryptographic generator, base64url-encoded
    /// behind a `galley_` prefix so leaked tokens are easy to recognise in logs and scanners.
    public static func newToken() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: .min ... .max, using: &generator) }
        return "galley_" + Self.base64URL(bytes)
    }

    /// The SHA-256 of the token's UTF-8 bytes: what the store keeps and looks tokens up by, so a
    /// stolen database does not give away usable tokens.
    public static func hash(_ token: String) -> [UInt8] {
        Array(SHA256.hash(data: Array(token.utf8)))
    }

    /// The expiry time of a token with `lifetime` (`30d`, `12h`, `90m`), as an RFC 3339 timestamp;
    /// nil when the text is not a lifetime.
    public static func expiry(lifetime: String, from now: Date = Date()) -> String? {
        guard let unit = lifetime.last, let amount = Int(lifetime.dropLast()), amount > 0, amount < 1_000_000 else { return nil }
        let seconds: Double
        switch unit {
        case "m": seconds = 60
        case "h": seconds = 3600
        case "d": seconds = 86400
        default: return nil
        }
        return Timestamp.string(from: now.addingTimeInterval(Double(amount) * seconds))
    }

    private static func base64URL(_ bytes: [UInt8]) -> String {
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_".utf8)
        var output: [UInt8] = []
        var index = 0
        while index + 3 <= bytes.count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            for shift in stride(from: 18, through: 0, by: -6) { output.append(alphabet[Int((chunk >> UInt32(shift)) & 63)]) }
            index += 3
        }
        let rest = bytes.count - index
        if rest > 0 {
            var chunk = UInt32(bytes[index]) << 16
            if rest == 2 { chunk |= UInt32(bytes[index + 1]) << 8 }
            let characters = rest + 1
            for position in 0..<characters { output.append(alphabet[Int((chunk >> UInt32(18 - 6 * position)) & 63)]) }
        }
        return String(decoding: output, as: UTF8.self)
    }
}
