import Foundation
import GalleyModel
import JSONRPC

/// An article as Markdown with a front-matter block, and back, without loss.
///
/// ```text
/// ---
/// # galley: article 0190a6e2-… version 3
/// headline: Ferries return to the Bosphorus
/// subheadline:
/// slug: ferries-return-to-the-bosphorus
/// section: world
/// status: draft
/// tags: transport, istanbul
/// bylines:
///   - Anna Kovalenko | Istanbul correspondent
/// leadMediaId: 0190a6e2-…
/// ---
///
/// A paragraph.
///
/// ## A heading (level 2; `#` is a heading without a level, `###`/`####` levels 3 and 4)
///
/// > The quote's text.
/// > — Its attribution
///
/// - an unordered list item (`* ` marks `ordered: false`, `1. ` an ordered list)
///
/// ![The caption](media:0190a6e2-…)
/// ```
///
/// Front-matter values are plain text, or JSON (a quoted string, an array, an object) where plain
/// text could not say it exactly (leading spaces, a value that starts with a quote...); an empty
/// value means "not set". Blocks are separated by blank lines. A paragraph line that would read as
/// another block starts with a backslash, which is dropped. A block that Markdown cannot carry
/// exactly (an empty text, a blank line inside a paragraph, an explicit null...) is written as a
/// fenced `galley` block holding its JSON. So `parse(document(a))` gives back every front-matter
/// field and the body exactly (a `null` field reads back as absent, which the model treats alike).
public enum ArticleMarkdown {
    /// The article fields the front matter carries, in order.
    public static let frontMatterFields = ["headline", "subheadline", "slug", "section", "status", "tags", "bylines", "leadMediaId"]

    /// What a Markdown document says: the front-matter fields that are set, the body, and the
    /// article and version named by its `# galley:` comment line (when it has one).
    public struct Parsed: Sendable, Equatable {
        public var fields: JSONObject
        public var body: [JSONValue]
        public var articleID: String?
        public var baseVersion: Int?
    }

    /// Why a document could not be read, with its line number (1-based).
    public struct ParseError: Error, Sendable, CustomStringConvertible {
        public var line: Int
        public var message: String
        public var description: String { "line \(self.line): \(self.message)" }
    }

    // MARK: - Writing

    /// The whole document: front matter, a blank line, the body.
    public static func document(_ article: JSONObject) -> String {
        var lines = ["---"]
        if let id = article["id"]?.stringValue, let version = article["version"]?.intValue {
            lines.append("# galley: article \(id) version \(version)")
        }
        for field in Self.frontMatterFields {
            let value = article[field]
            switch field {
            case "tags":
                lines.append("tags:" + Self.tagsText(value))
            case "bylines":
                lines.append(contentsOf: Self.bylinesLines(value))
            case "leadMediaId":
                if let lead = article["leadMedia"]?.objectValue {
                    let credit = Presenters.creditLine(lead) ?? "no credit"
                    lines.append("# lead media: \(Listing.plain(lead["uri"])) — \(credit)".replacingOccurrences(of: "\n", with: " "))
                }
                lines.append("leadMediaId:" + Self.scalarText(value))
            default:
                lines.append("\(field):" + Self.scalarText(value))
            }
        }
        lines.append("---")
        let body = Self.bodyMarkdown(article["body"]?.arrayValue ?? [])
        return lines.joined(separator: "\n") + "\n\n" + (body.isEmpty ? "" : body + "\n")
    }

    /// ` value`, or `` for absent/null. Plain when it reads back the same, else JSON.
    static func scalarText(_ value: JSONValue?) -> String {
        switch value {
        case nil, .null?: return ""
        case .string(let text)? where Self.isPlainScalar(text): return " " + text
        case let value?: return " " + JSONWriter.string(value)
        }
    }

    private static func isPlainScalar(_ text: String) -> Bool {
        guard let first = text.first, let last = text.last else { return false }
        return !first.isWhitespace && !last.isWhitespace && !"\"[{".contains(first) && !Self.hasControl(text)
    }

    private static func hasControl(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.properties.generalCategory == .control || $0 == "\u{2028}" || $0 == "\u{2029}" }
    }

    private static func tagsText(_ value: JSONValue?) -> String {
        guard case .array(let tags)? = value else { return Self.scalarText(value) }
        if tags.isEmpty { return "" }
        let plain = tags.allSatisfy { tag in
            guard let text = tag.stringValue else { return false }
            return Self.isPlainScalar(text) && !text.contains(",")
        }
        return plain ? " " + tags.compactMap(\.stringValue).joined(separator: ", ") : " " + JSONWriter.string(.array(tags))
    }

    private static func bylinesLines(_ value: JSONValue?) -> [String] {
        guard case .array(let bylines)? = value else { return ["bylines:" + Self.scalarText(value)] }
        if bylines.isEmpty { return ["bylines:"] }
        var lines = ["bylines:"]
        for byline in bylines {
            lines.append("  - " + Self.bylineText(byline))
        }
        return lines
    }

    private static func bylineText(_ byline: JSONValue) -> String {
        func plain(_ text: String) -> Bool { Self.isPlainScalar(text) && !text.contains("|") }
        if case .object(let object) = byline, case .string(let name)? = object["name"], plain(name) {
            if object.keys == ["name"] { return name }
            if object.keys == ["name", "role"], case .string(let role)? = object["role"], plain(role) { return "\(name) | \(role)" }
        }
        return JSONWriter.string(byline)
    }

    /// The body as Markdown blocks separated by blank lines (no trailing newline).
    public static func bodyMarkdown(_ blocks: [JSONValue]) -> String {
        blocks.map(Self.blockMarkdown).joined(separator: "\n\n")
    }

    static func blockMarkdown(_ block: JSONValue) -> String {
        (block.objectValue.flatMap(Self.markdownIfExact)) ?? "```galley\n" + JSONWriter.string(block) + "\n```"
    }

    /// The Markdown for a block when Markdown reads back to exactly this block, else nil.
    private static func markdownIfExact(_ block: JSONObject) -> String? {
        guard let type = block["type"]?.stringValue else { return nil }
        let keys = Set(block.keys)
        switch type {
        case "paragraph":
            guard keys == ["type", "text"], case .string(let text)? = block["text"], Self.isParagraphText(text) else { return nil }
            return text.components(separatedBy: "\n").map { Self.isBlockStart($0) || $0.hasPrefix("\\") ? "\\" + $0 : $0 }
                .joined(separator: "\n")
        case "heading":
            guard case .string(let text)? = block["text"], Self.isOneLine(text) else { return nil }
            if keys == ["type", "text"] { return "# " + text }
            guard keys == ["type", "text", "level"], let level = block["level"]?.numberValue,
                ["2", "3", "4"].contains(level.text)
            else { return nil }
            return String(repeating: "#", count: Int(level.text)!) + " " + text
        case "quote":
            guard keys.isSubset(of: ["type", "text", "attribution"]), case .string(let text)? = block["text"], !text.isEmpty,
                !Self.hasControl(text.replacingOccurrences(of: "\n", with: ""))
            else { return nil }
            let textLines = text.components(separatedBy: "\n")
            guard textLines.allSatisfy({ !($0.last?.isWhitespace ?? false) && !$0.hasPrefix("— ") && $0 != "—" }) else { return nil }
            var lines = textLines.map { $0.isEmpty ? ">" : "> " + $0 }
            if let attribution = block["attribution"] {
                guard case .string(let name) = attribution, Self.isOneLine(name) else { return nil }
                lines.append("> — " + name)
            }
            return lines.joined(separator: "\n")
        case "list":
            guard keys.isSubset(of: ["type", "items", "ordered"]), case .array(let items)? = block["items"], !items.isEmpty else { return nil }
            let texts = items.compactMap(\.stringValue)
            guard texts.count == items.count, texts.allSatisfy(Self.isOneLine) else { return nil }
            switch block["ordered"] {
            case nil: return texts.map { "- " + $0 }.joined(separator: "\n")
            case .bool(false)?: return texts.map { "* " + $0 }.joined(separator: "\n")
            case .bool(true)?: return texts.enumerated().map { "\($0.offset + 1). " + $0.element }.joined(separator: "\n")
            default: return nil
            }
        case "media":
            guard keys.isSubset(of: ["type", "mediaId", "caption"]), case .string(let mediaID)? = block["mediaId"],
                ContentRules.isUUID(mediaID)
            else { return nil }
            switch block["caption"] {
            case nil: return "![](media:\(mediaID))"
            case .string(let caption)? where Self.isOneLine(caption): return "![\(caption)](media:\(mediaID))"
            default: return nil
            }
        default:
            return nil
        }
    }

    /// Non-empty, one line, no leading or trailing whitespace, no control characters.
    private static func isOneLine(_ text: String) -> Bool {
        Self.isPlainScalar(text) || (!text.isEmpty && !Self.hasControl(text) && !text.first!.isWhitespace && !text.last!.isWhitespace)
    }

    /// Lines that are neither blank nor end in whitespace, and no control characters besides `\n`.
    private static func isParagraphText(_ text: String) -> Bool {
        guard !text.isEmpty, !Self.hasControl(text.replacingOccurrences(of: "\n", with: "")) else { return false }
        return text.components(separatedBy: "\n").allSatisfy { line in
            !Self.isBlank(line) && !(line.last?.isWhitespace ?? false)
        }
    }

    // MARK: - Line kinds (one definition for the writer and the parser)

    static func isBlank(_ line: some StringProtocol) -> Bool { line.allSatisfy(\.isWhitespace) }

    /// A line that starts a block other than a paragraph: it ends a paragraph before it.
    static func isBlockStart(_ line: String) -> Bool {
        Self.heading(line) != nil || line.hasPrefix(">") || Self.listItem(line) != nil || Self.mediaLine(line) != nil
            || line.hasPrefix("```")
    }

    /// `#`..`####`, a space and some text: (level or nil for `#`, text).
    static func heading(_ line: String) -> (level: Int?, text: String)? {
        let hashes = line.prefix { $0 == "#" }.count
        guard (1...4).contains(hashes) else { return nil }
        let rest = line.dropFirst(hashes)
        guard rest.first == " ", rest.count > 1 else { return nil }
        return (hashes == 1 ? nil : hashes, String(rest.dropFirst()))
    }

    enum ListKind: Equatable { case bullet, star, ordered }

    /// `- item`, `* item` or `12. item`.
    static func listItem(_ line: String) -> (kind: ListKind, text: String)? {
        if line.hasPrefix("- ") { return (.bullet, String(line.dropFirst(2))) }
        if line.hasPrefix("* ") { return (.star, String(line.dropFirst(2))) }
        let digits = line.prefix { $0.isASCII && $0.isNumber }
        guard !digits.isEmpty, line.dropFirst(digits.count).hasPrefix(". ") else { return nil }
        return (.ordered, String(line.dropFirst(digits.count + 2)))
    }

    /// `![caption](media:UUID)`: (caption, id).
    static func mediaLine(_ line: String) -> (caption: String, mediaID: String)? {
        guard line.hasPrefix("!["), line.hasSuffix(")"), let marker = line.range(of: "](media:", options: .backwards) else { return nil }
        let id = String(line[marker.upperBound..<line.index(before: line.endIndex)])
        guard ContentRules.isUUID(id) else { return nil }
        return (String(line[line.index(line.startIndex, offsetBy: 2)..<marker.lowerBound]), id)
    }

    // MARK: - Reading

    /// Reads a whole document (front matter and body).
    public static func parse(_ text: String) throws(ParseError) -> Parsed {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        var index = 0
        while index < lines.count, Self.isBlank(lines[index]) { index += 1 }
        guard index < lines.count, lines[index] == "---" else {
            throw ParseError(line: index + 1, message: "the document must start with a front-matter block opened by ---")
        }
        index += 1
        var fields = JSONObject()
        var articleID: String?
        var baseVersion: Int?
        var closed = false
        while index < lines.count {
            let line = lines[index]
            let lineNumber = index + 1
            index += 1
            if line == "---" {
                closed = true
                break
            }
            if Self.isBlank(line) { continue }
            if line.hasPrefix("#") {
                let words = line.split(separator: " ")
                if words.count == 6, words[1] == "galley:", words[2] == "article", words[4] == "version" {
                    articleID = String(words[3])
                    baseVersion = Int(words[5])
                }
                continue
            }
            guard let colon = line.firstIndex(of: ":") else {
                throw ParseError(line: lineNumber, message: "expected `field: value` in the front matter, found \(JSONWriter.string(.string(line)))")
            }
            let field = String(line[..<colon])
            let rawValue = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            guard Self.frontMatterFields.contains(field) else {
                throw ParseError(line: lineNumber, message: "unknown front-matter field \(JSONWriter.string(.string(field))); known: \(Self.frontMatterFields.joined(separator: ", "))")
            }
            guard fields[field] == nil else { throw ParseError(line: lineNumber, message: "\(field) is given twice") }
            switch field {
            case "tags":
                fields["tags"] = try Self.parseTags(rawValue, line: lineNumber)
            case "bylines":
                var bylines: [JSONValue] = []
                if !rawValue.isEmpty {
                    fields["bylines"] = try Self.json(rawValue, line: lineNumber)
                    continue
                }
                while index < lines.count, lines[index].hasPrefix("  -") || lines[index].hasPrefix("- ") {
                    let item = lines[index].trimmingCharacters(in: .whitespaces).dropFirst().trimmingCharacters(in: .whitespaces)
                    bylines.append(try Self.parseByline(item, line: index + 1))
                    index += 1
                }
                fields["bylines"] = .array(bylines)
            default:
                if let value = try Self.parseScalar(rawValue, line: lineNumber) { fields[field] = value }
            }
        }
        guard closed else { throw ParseError(line: lines.count, message: "the front matter is not closed by a --- line") }
        let body = try Self.parseBody(lines[index...], firstLineNumber: index + 1)
        return Parsed(fields: fields, body: body, articleID: articleID, baseVersion: baseVersion)
    }

    private static func json(_ text: String, line: Int) throws(ParseError) -> JSONValue {
        do {
            return try JSONParser.parse(text)
        } catch {
            throw ParseError(line: line, message: "not valid JSON: \(error.message)")
        }
    }

    private static func parseScalar(_ text: String, line: Int) throws(ParseError) -> JSONValue? {
        if text.isEmpty { return nil }
        if let first = text.first, "\"[{".contains(first) { return try Self.json(text, line: line) }
        return .string(text)
    }

    private static func parseTags(_ text: String, line: Int) throws(ParseError) -> JSONValue {
        if text.isEmpty { return [] }
        if text.hasPrefix("[") { return try Self.json(text, line: line) }
        return .array(text.split(separator: ",").map { .string($0.trimmingCharacters(in: .whitespaces)) })
    }

    private static func parseByline(_ text: String, line: Int) throws(ParseError) -> JSONValue {
        if text.hasPrefix("{") { return try Self.json(text, line: line) }
        guard let bar = text.firstIndex(of: "|") else { return ["name": .string(text)] }
        let name = text[..<bar].trimmingCharacters(in: .whitespaces)
        let role = text[text.index(after: bar)...].trimmingCharacters(in: .whitespaces)
        return role.isEmpty ? ["name": .string(name)] : ["name": .string(name), "role": .string(role)]
    }

    /// Reads the body's Markdown into blocks.
    public static func parseBody(_ text: String) throws(ParseError) -> [JSONValue] {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").components(separatedBy: "\n")
        return try Self.parseBody(lines[...], firstLineNumber: 1)
    }

    static func parseBody(_ lines: ArraySlice<String>, firstLineNumber: Int) throws(ParseError) -> [JSONValue] {
        var blocks: [JSONValue] = []
        var index = lines.startIndex
        func number(_ position: Int) -> Int { position - lines.startIndex + firstLineNumber }
        while index < lines.endIndex {
            let line = lines[index]
            if Self.isBlank(line) {
                index += 1
                continue
            }
            if line.hasPrefix("```") {
                guard line == "```galley" else {
                    throw ParseError(line: number(index), message: "only ```galley fences (a block as JSON) are understood here")
                }
                let start = index
                index += 1
                var json: [String] = []
                while index < lines.endIndex, lines[index] != "```" {
                    json.append(lines[index])
                    index += 1
                }
                guard index < lines.endIndex else { throw ParseError(line: number(start), message: "the ```galley fence is not closed") }
                index += 1
                blocks.append(try Self.json(json.joined(separator: "\n"), line: number(start) + 1))
            } else if let heading = Self.heading(line) {
                var block: JSONObject = ["type": "heading", "text": .string(heading.text)]
                if let level = heading.level { block["level"] = .number(JSONNumber(level)) }
                blocks.append(.object(block))
                index += 1
            } else if line.hasPrefix(">") {
                var texts: [String] = []
                var attribution: String?
                while index < lines.endIndex, lines[index].hasPrefix(">") {
                    var content = lines[index].dropFirst()
                    if content.first == " " { content = content.dropFirst() }
                    if content.hasPrefix("— ") {
                        attribution = String(content.dropFirst(2))
                    } else {
                        texts.append(String(content))
                    }
                    index += 1
                }
                var block: JSONObject = ["type": "quote", "text": .string(texts.joined(separator: "\n"))]
                if let attribution { block["attribution"] = .string(attribution) }
                blocks.append(.object(block))
            } else if let first = Self.listItem(line) {
                var items: [JSONValue] = []
                while index < lines.endIndex, let item = Self.listItem(lines[index]), item.kind == first.kind {
                    items.append(.string(item.text))
                    index += 1
                }
                var block: JSONObject = ["type": "list", "items": .array(items)]
                if first.kind == .star { block["ordered"] = false }
                if first.kind == .ordered { block["ordered"] = true }
                blocks.append(.object(block))
            } else if let media = Self.mediaLine(line) {
                var block: JSONObject = ["type": "media", "mediaId": .string(media.mediaID)]
                if !media.caption.isEmpty { block["caption"] = .string(media.caption) }
                blocks.append(.object(block))
                index += 1
            } else {
                var texts: [String] = []
                while index < lines.endIndex, !Self.isBlank(lines[index]), texts.isEmpty || !Self.isBlockStart(lines[index]) {
                    let current = lines[index]
                    texts.append(current.hasPrefix("\\") ? String(current.dropFirst()) : current)
                    index += 1
                }
                blocks.append(["type": "paragraph", "text": .string(texts.joined(separator: "\n"))])
            }
        }
        return blocks
    }
}
