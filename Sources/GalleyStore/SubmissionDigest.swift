import Crypto
import JSONRPC

/// What the changeset table keeps of a submission (`{message, ops}` as the client sent them): what
/// the replay check needs and no more. A retry with a committed changeset's id must carry the same
/// content, compared as JSON values (member order aside, numbers by their text), so a digest of a
/// canonical encoding does: `sha256:` and 64 hex digits. Keeping the text repeated each document of
/// an import a third time, after its version row and the committed ops.
///
/// Rows written before this keep the JSON text itself, and are compared as before. Both engines
/// and `galleyd copy` (which copies the column as it is) use this type.
public enum SubmissionDigest {
    static let prefix = "sha256:"
    private static let hexDigits = Array("0123456789abcdef".utf8)

    /// The stored form of a new submission.
    public static func of(_ submitted: JSONValue) -> String {
        var bytes: [UInt8] = []
        Self.writeCanonical(submitted, into: &bytes)
        var text = Array(Self.prefix.utf8)
        for byte in SHA256.hash(data: bytes) {
            text.append(Self.hexDigits[Int(byte >> 4)])
            text.append(Self.hexDigits[Int(byte & 0x0f)])
        }
        return String(decoding: text, as: UTF8.self)
    }

    /// Whether `stored` (a digest, or the JSON text of a row written before digests) records
    /// `submitted`.
    public static func matches(_ stored: String, _ submitted: JSONValue) throws -> Bool {
        try Self.matches(stored, digest: Self.of(submitted), submitted: submitted)
    }

    /// The same, with `submitted`'s digest already taken.
    static func matches(_ stored: String, digest: String, submitted: JSONValue) throws -> Bool {
        if stored.hasPrefix(Self.prefix) { return stored == digest }
        return try JSONParser.parse(stored) == submitted
    }

    /// JSON with every object's members sorted by name, so values equal as `JSONValue` (whose
    /// objects compare regardless of member order) encode to the same bytes.
    static func writeCanonical(_ value: JSONValue, into bytes: inout [UInt8]) {
        switch value {
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            let order = object.keys.indices.sorted { object.keys[$0] < object.keys[$1] }
            for (position, index) in order.enumerated() {
                if position > 0 { bytes.append(UInt8(ascii: ",")) }
                JSONWriter.write(.string(object.keys[index]), into: &bytes)
                bytes.append(UInt8(ascii: ":"))
                Self.writeCanonical(object.values[index], into: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (position, item) in items.enumerated() {
                if position > 0 { bytes.append(UInt8(ascii: ",")) }
                Self.writeCanonical(item, into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        default:
            JSONWriter.write(value, into: &bytes)
        }
    }
}
