import Foundation
import JSONRPC

/// Values the server derives from what clients write: article slugs and reading times, media
/// credit lines, and the document as clients read it.
public enum Derivations {
    /// The longest slug ``slug(fromHeadline:)`` produces (the slug field's limit).
    public static let maxSlugLength = 120

    /// Words per minute for ``readingMinutes(body:)``.
    public static let wordsPerMinute = 230

    // MARK: - Slugs

    /// A slug from a headline: `"Kyiv's Drone Attacks"` gives `kyivs-drone-attacks`.
    ///
    /// Lowercase ASCII: compatibility forms are unfolded (`ﬁ`, full-width digits), other scripts
    /// transliterated to Latin where ICU knows how (`Москва` gives `moskva`), diacritics stripped
    /// (`é` to `e`, `ç` to `c`) and the letters that have no decomposition folded by a table (`ı` to
    /// `i`, `ß` to `ss`, `ø` to `o`, `ł` to `l`, `æ` to `ae`...). Apostrophes (`'`, `’`, `ʼ`) vanish
    /// without a hyphen; every other run of characters outside `[a-z0-9]` becomes one hyphen; leading
    /// and trailing hyphens go. The result is cut to at most 120 characters, at a hyphen when there
    /// is one in reach, and is `untitled` when nothing is left. It always matches
    /// `^[a-z0-9]+(-[a-z0-9]+)*$`.
    public static func slug(fromHeadline headline: String) -> String {
        var text = headline
        if !text.utf8.allSatisfy({ $0 < 0x80 }) {
            text = text.precomposedStringWithCompatibilityMapping
            if let latin = text.applyingTransform(.toLatin, reverse: false) { text = latin }
            if let stripped = text.applyingTransform(.stripDiacritics, reverse: false) { text = stripped }
        }
        var slug: [UInt8] = []
        slug.reserveCapacity(min(text.utf8.count, 256))
        var pendingHyphen = false
        func append(_ byte: UInt8) {
            if pendingHyphen, !slug.isEmpty { slug.append(UInt8(ascii: "-")) }
            pendingHyphen = false
            slug.append(byte)
        }
        for scalar in text.unicodeScalars {
            if scalar.isASCII {
                let byte = UInt8(scalar.value)
                switch byte {
                case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "0")...UInt8(ascii: "9"):
                    append(byte)
                case UInt8(ascii: "A")...UInt8(ascii: "Z"):
                    append(byte + 32)
                case UInt8(ascii: "'"):
                    continue
                default:
                    pendingHyphen = true
                }
            } else if Self.apostrophes.contains(scalar) || Self.isMark(scalar) {
                continue
            } else if let folded = Self.foldedLetters[scalar] ?? Self.foldedLetters[Self.lowercased(scalar)] {
                for byte in folded.utf8 { append(byte) }
            } else {
                pendingHyphen = true
            }
        }
        if slug.count > Self.maxSlugLength {
            var cut = Self.maxSlugLength
            if slug[cut] != UInt8(ascii: "-"), let hyphen = slug[..<cut].lastIndex(of: UInt8(ascii: "-")), hyphen > 0 {
                cut = hyphen
            }
            slug.removeSubrange(cut...)
            while slug.last == UInt8(ascii: "-") { slug.removeLast() }
        }
        return slug.isEmpty ? "untitled" : String(decoding: slug, as: UTF8.self)
    }

    /// Apostrophes removed without leaving a hyphen, besides ASCII `'`: right single quotation mark,
    /// modifier letter apostrophe, and the primes Cyrillic transliteration writes for soft and hard signs.
    private static let apostrophes: Set<Unicode.Scalar> = ["\u{2019}", "\u{02BC}", "\u{02B9}", "\u{02BA}"]

    /// Latin letters that have no canonical decomposition, so stripping diacritics leaves them alone.
    private static let foldedLetters: [Unicode.Scalar: String] = [
        "ı": "i", "ß": "ss", "ẞ": "ss", "ø": "o", "ł": "l", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d",
        "đ": "d", "ħ": "h", "ĳ": "ij", "ŀ": "l", "ŋ": "n", "ſ": "s", "ŧ": "t", "ƒ": "f", "ɨ": "i",
        "ƚ": "l", "ɗ": "d", "ƴ": "y", "ʒ": "z", "ĸ": "k",
    ]

    private static func lowercased(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        let lower = scalar.properties.lowercaseMapping.unicodeScalars
        return lower.count == 1 ? lower.first! : scalar
    }

    /// Combining marks left over (from text the transforms did not handle) vanish like diacritics.
    private static func isMark(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .nonspacingMark, .spacingMark, .enclosingMark: true
        default: false
        }
    }

    // MARK: - Reading time

    /// `max(1, ceil(words / 230))` over the body's text: paragraph, heading and quote text, quote
    /// attributions, list items and media block captions. Words are maximal runs of non-whitespace.
    /// A missing, empty or malformed body gives 1.
    public static func readingMinutes(body: JSONValue?) -> Int {
        guard case .array(let blocks)? = body else { return 1 }
        var words = 0
        for block in blocks {
            guard case .object(let object) = block, let type = object["type"]?.stringValue else { continue }
            switch type {
            case "paragraph", "heading":
                words += Self.wordCount(object["text"])
            case "quote":
                words += Self.wordCount(object["text"]) + Self.wordCount(object["attribution"])
            case "list":
                for item in object["items"]?.arrayValue ?? [] { words += Self.wordCount(item) }
            case "media":
                words += Self.wordCount(object["caption"])
            default:
                continue
            }
        }
        return max(1, (words + Self.wordsPerMinute - 1) / Self.wordsPerMinute)
    }

    /// The number of maximal runs of non-whitespace in a string value (0 for anything else).
    /// Whitespace is Unicode's White_Space property. ASCII bytes are classified directly: asking
    /// the scalar's properties costs a table search per character, which made this count a quarter
    /// of galleyd's CPU when committing article edits (galley-bench write, BENCHMARKS.md).
    public static func wordCount(_ value: JSONValue?) -> Int {
        guard case .string(var text)? = value else { return 0 }
        // Over the UTF-8 bytes themselves (a String's own storage, not copied): stepping through
        // `String.UTF8View` indices cost more than the counting in an import's profile.
        return text.withUTF8 { bytes in
            var count = 0
            var inWord = false
            var index = 0
            while index < bytes.count {
                let byte = bytes[index]
                let isWhitespace: Bool
                if byte < 0x80 {
                    isWhitespace = byte == 0x20 || (byte >= 0x09 && byte <= 0x0D)
                    index += 1
                } else {
                    // A String holds well-formed UTF-8: the lead byte gives the length.
                    let length = byte >= 0xF0 ? 4 : byte >= 0xE0 ? 3 : 2
                    var scalar = UInt32(byte) & (length == 2 ? 0x1F : length == 3 ? 0x0F : 0x07)
                    for offset in 1..<length where index + offset < bytes.count {
                        scalar = scalar << 6 | UInt32(bytes[index + offset] & 0x3F)
                    }
                    isWhitespace = Unicode.Scalar(scalar)?.properties.isWhitespace ?? false
                    index += length
                }
                if isWhitespace {
                    inWord = false
                } else if !inWord {
                    inWord = true
                    count += 1
                }
            }
            return count
        }
    }

    // MARK: - Credit lines

    /// `creator / source`, `creator` alone, `source` alone, or nil when there is neither (members are
    /// trimmed; empty strings count as absent).
    public static func creditLine(credit: JSONObject) -> String? {
        let creator = Self.trimmed(credit["creator"])
        let source = Self.trimmed(credit["source"])
        switch (creator, source) {
        case (let creator?, let source?): return "\(creator) / \(source)"
        case (let creator?, nil): return creator
        case (nil, let source?): return source
        case (nil, nil): return nil
        }
    }

    private static func trimmed(_ value: JSONValue?) -> String? {
        guard let text = value?.stringValue?.trimmingCharacters(in: .whitespacesAndNewlines), !text.isEmpty else { return nil }
        return text
    }

    // MARK: - Presenting

    /// A stored document as clients read it. For media, `credit.creditLine` is filled in with the
    /// derived line when the client has not set one (absent, `null` or blank), creating `credit`
    /// when a line can be derived. Articles and links are returned unchanged (`readingMinutes` is
    /// stored).
    public static func presenting(_ data: JSONObject, type: EntityType) -> JSONObject {
        guard type == .media else { return data }
        let stored = data["credit"]
        var credit: JSONObject
        switch stored {
        case .object(let object)?: credit = object
        case nil, .null?: credit = JSONObject()
        default: return data
        }
        if Self.trimmed(credit["creditLine"]) != nil { return data }
        guard let line = Self.creditLine(credit: credit) else { return data }
        credit["creditLine"] = .string(line)
        var presented = data
        presented["credit"] = .object(credit)
        return presented
    }
}
