/// Writes `JSONValue`s as RFC 8259 text.
///
/// The compact form has no insignificant whitespace; object members come out in their stored order and
/// numbers as their text, verbatim. Strings escape `"`, `\` and the control characters below U+0020 (the
/// short forms `\n \r \t \b \f` where they exist, `\u00XX` otherwise); everything else, `/` included,
/// is written as raw UTF-8.
public enum JSONWriter {
    /// Appends the compact text of `value` to `bytes`.
    public static func write(_ value: JSONValue, into bytes: inout [UInt8]) {
        switch value {
        case .null:
            bytes.append(contentsOf: "null".utf8)
        case .bool(let bool):
            bytes.append(contentsOf: bool ? "true".utf8 : "false".utf8)
        case .number(let number):
            bytes.append(contentsOf: number.text.utf8)
        case .string(let string):
            Self.writeString(string, into: &bytes)
        case .array(let elements):
            bytes.append(UInt8(ascii: "["))
            var first = true
            for element in elements {
                if !first { bytes.append(UInt8(ascii: ",")) }
                first = false
                Self.write(element, into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let object):
            bytes.append(UInt8(ascii: "{"))
            let keys = object.keys
            let values = object.values
            for index in keys.indices {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                Self.writeString(keys[index], into: &bytes)
                bytes.append(UInt8(ascii: ":"))
                Self.write(values[index], into: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    /// The compact text of `value` as bytes.
    public static func bytes(_ value: JSONValue) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64)
        Self.write(value, into: &bytes)
        return bytes
    }

    /// The compact text of `value`.
    public static func string(_ value: JSONValue) -> String {
        String(decoding: Self.bytes(value), as: UTF8.self)
    }

    /// `value` indented by two spaces per level, with `": "` after member names, for people to read.
    /// Empty arrays and objects are written as `[]` and `{}`. There is no trailing newline.
    public static func prettyString(_ value: JSONValue) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(128)
        Self.writePretty(value, indent: 0, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    // MARK: - Implementation

    private static func writePretty(_ value: JSONValue, indent: Int, into bytes: inout [UInt8]) {
        switch value {
        case .array(let elements) where !elements.isEmpty:
            bytes.append(UInt8(ascii: "["))
            for (index, element) in elements.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                Self.newline(indent: indent + 1, into: &bytes)
                Self.writePretty(element, indent: indent + 1, into: &bytes)
            }
            Self.newline(indent: indent, into: &bytes)
            bytes.append(UInt8(ascii: "]"))
        case .object(let object) where !object.isEmpty:
            bytes.append(UInt8(ascii: "{"))
            let keys = object.keys
            let values = object.values
            for index in keys.indices {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                Self.newline(indent: indent + 1, into: &bytes)
                Self.writeString(keys[index], into: &bytes)
                bytes.append(UInt8(ascii: ":"))
                bytes.append(UInt8(ascii: " "))
                Self.writePretty(values[index], indent: indent + 1, into: &bytes)
            }
            Self.newline(indent: indent, into: &bytes)
            bytes.append(UInt8(ascii: "}"))
        default:
            Self.write(value, into: &bytes)
        }
    }

    private static func newline(indent: Int, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\n"))
        bytes.append(contentsOf: repeatElement(UInt8(ascii: " "), count: indent * 2))
    }

    private static func writeString(_ string: String, into bytes: inout [UInt8]) {
        let written: Void? = string.utf8.withContiguousStorageIfAvailable { utf8 in
            Self.writeString(utf8: utf8, into: &bytes)
        }
        if written == nil {
            Array(string.utf8).withUnsafeBufferPointer { Self.writeString(utf8: $0, into: &bytes) }
        }
    }

    /// Copies runs of bytes that need no escaping in one go; a string with nothing to escape is a
    /// single copy between the quotes.
    private static func writeString(utf8: UnsafeBufferPointer<UInt8>, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        var runStart = 0
        for index in 0..<utf8.count {
            let byte = utf8[index]
            guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
            if runStart < index {
                bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<index]))
            }
            runStart = index + 1
            bytes.append(UInt8(ascii: "\\"))
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"): bytes.append(byte)
            case 0x0A: bytes.append(UInt8(ascii: "n"))
            case 0x0D: bytes.append(UInt8(ascii: "r"))
            case 0x09: bytes.append(UInt8(ascii: "t"))
            case 0x08: bytes.append(UInt8(ascii: "b"))
            case 0x0C: bytes.append(UInt8(ascii: "f"))
            default:
                bytes.append(contentsOf: "u00".utf8)
                bytes.append(Self.hexDigits[Int(byte >> 4)])
                bytes.append(Self.hexDigits[Int(byte & 0x0F)])
            }
        }
        if runStart < utf8.count {
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: utf8[runStart..<utf8.count]))
        }
        bytes.append(UInt8(ascii: "\""))
    }

    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)
}
