import Foundation
import GalleyModel
import JSONRPC

/// What a `set` or `bulk update` command changes: `field=value` assignments, `--unset` fields and
/// tag additions or removals. Values are text, except for structured fields (tags, bylines, body,
/// credit, width, height, position), which take JSON; `field:=JSON` forces JSON for any field.
public struct FieldChanges: Sendable, Hashable {
    public var set: JSONObject = [:]
    public var unset: [String] = []
    public var addTags: [String] = []
    public var removeTags: [String] = []

    public init() {}

    public var isEmpty: Bool { self.set.isEmpty && self.unset.isEmpty && self.addTags.isEmpty && self.removeTags.isEmpty }

    /// Fields whose values are JSON rather than text.
    public static func isStructured(_ field: String, type: EntityType) -> Bool {
        switch type {
        case .article: ["tags", "bylines", "body"].contains(field)
        case .media: ["credit", "width", "height"].contains(field)
        case .link: ["position"].contains(field)
        }
    }

    /// Reads `field=value` / `field:=JSON` assignments and `--unset` names, then checks them
    /// against the content rules (every problem at once, as a usage error).
    public static func parse(assignments: [String], unset: [String], addTags: [String] = [], removeTags: [String] = [], type: EntityType) throws -> FieldChanges {
        var changes = FieldChanges()
        for assignment in assignments {
            guard let equals = assignment.firstIndex(of: "=") else {
                throw CLIError.usage("\(JSONWriter.string(.string(assignment))) is not field=value (e.g. status=published, tags='[\"a\",\"b\"]')")
            }
            var field = String(assignment[..<equals])
            let text = String(assignment[assignment.index(after: equals)...])
            var asJSON = false
            if field.hasSuffix(":") {
                field.removeLast()
                asJSON = true
            }
            guard !field.isEmpty else { throw CLIError.usage("\(JSONWriter.string(.string(assignment))) names no field") }
            if asJSON || Self.isStructured(field, type: type) {
                do {
                    changes.set[field] = try JSONParser.parse(text)
                } catch {
                    throw CLIError.usage("\(field) takes JSON, e.g. \(Self.example(field, type: type)); \(JSONWriter.string(.string(text))) is not JSON (\(error.message))")
                }
            } else {
                changes.set[field] = .string(text)
            }
        }
        changes.unset = unset
        changes.addTags = addTags
        changes.removeTags = removeTags
        if type != .article, !(addTags.isEmpty && removeTags.isEmpty) {
            throw CLIError.usage("--add-tag and --remove-tag apply to articles only")
        }
        if changes.set["tags"] != nil, !(addTags.isEmpty && removeTags.isEmpty) {
            throw CLIError.usage("give either tags=[...] or --add-tag/--remove-tag, not both")
        }
        let errors = ContentRules.validateUpdate(set: changes.set, unset: changes.unset, type: type, pathPrefix: "")
            + addTags.enumerated().flatMap { index, tag in
                ContentRules.validateUpdate(set: ["tags": [.string(tag)]], unset: [], type: .article, pathPrefix: "").map {
                    FieldError(path: "--add-tag[\(index)]", message: $0.message)
                }
            }
        if !errors.isEmpty {
            let lines = errors.map { "  \($0.path.replacingOccurrences(of: "set.", with: "").replacingOccurrences(of: "unset", with: "--unset")) \($0.message)" }
            throw CLIError.usage("the changes break the content rules:\n" + lines.joined(separator: "\n"))
        }
        return changes
    }

    private static func example(_ field: String, type: EntityType) -> String {
        switch field {
        case "tags": #"tags='["world","ukraine"]'"#
        case "bylines": #"bylines='[{"name":"Anna Kovalenko","role":"correspondent"}]'"#
        case "body": #"body='[{"type":"paragraph","text":"..."}]'"#
        case "credit": #"credit='{"creator":"J. Doe","source":"Reuters"}'"#
        default: "\(field)=3"
        }
    }

    /// The smallest update that brings `data` to the requested state: only the set fields whose
    /// value differs, only the unset fields that are present, `tags` when additions or removals
    /// change them. Nil when `data` is already there.
    public func update(for data: JSONObject) -> (set: JSONObject, unset: [String])? {
        var set = JSONObject()
        for (key, value) in self.set where !ContentRules.sameValue(ContentRules.value(at: key, in: data), value) {
            set[key] = value
        }
        let unset = self.unset.filter { key in
            guard let current = ContentRules.value(at: key, in: data) else { return false }
            return !current.isNull
        }
        if !(self.addTags.isEmpty && self.removeTags.isEmpty) {
            let current = (data["tags"]?.arrayValue ?? []).compactMap(\.stringValue)
            var tags = current.filter { !self.removeTags.contains($0) }
            for tag in self.addTags where !tags.contains(tag) { tags.append(tag) }
            if tags != current { set["tags"] = .array(tags.map { .string($0) }) }
        }
        return set.isEmpty && unset.isEmpty ? nil : (set, unset)
    }

    /// Whether the update needs the whole document (fields that summaries leave out).
    public var touchesBodyOrBylines: Bool {
        (self.set.keys + self.unset).contains { $0 == "body" || $0 == "bylines" }
    }

    /// `field: before -> after` lines for one entity.
    public static func diffLines(before data: JSONObject, set: JSONObject, unset: [String]) -> [String] {
        var lines: [String] = []
        for (key, value) in set {
            lines.append("  \(key): \(Self.short(ContentRules.value(at: key, in: data))) -> \(Self.short(value))")
        }
        for key in unset {
            lines.append("  \(key): \(Self.short(ContentRules.value(at: key, in: data))) -> (unset)")
        }
        return lines
    }

    static func short(_ value: JSONValue?) -> String {
        guard let value else { return "(absent)" }
        let text = JSONWriter.string(value)
        return text.count > 80 ? String(text.prefix(77)) + "..." : text
    }
}
