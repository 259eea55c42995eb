import Foundation
import GalleyModel
import JSONRPC

/// The columns and the readable text of each kind of thing the CLI lists or shows.
public enum Presenters {
    private static func text(_ key: String) -> @Sendable (JSONObject) -> String { { Listing.plain($0[key]) } }

    public static let articleColumns: [Column] = [
        Column("ID", Self.text("id")),
        Column("SLUG", flexible: true, Self.text("slug")),
        Column("STATUS", Self.text("status")),
        Column("SECTION", Self.text("section")),
        Column("MIN", { Listing.plain($0["readingMinutes"]) }),
        Column("V", Self.text("version")),
        Column("HEADLINE", flexible: true, Self.text("headline")),
    ]

    public static let mediaColumns: [Column] = [
        Column("ID", Self.text("id")),
        Column("KIND", Self.text("kind")),
        Column("CREDIT", flexible: true, { Self.creditLine($0) ?? "" }),
        Column("V", Self.text("version")),
        Column("URI", flexible: true, Self.text("uri")),
    ]

    public static let mediaUseColumns: [Column] = [
        Column("ID", Self.text("id")),
        Column("ROLE", Self.text("role")),
        Column("STATUS", Self.text("status")),
        Column("SLUG", flexible: true, Self.text("slug")),
        Column("HEADLINE", flexible: true, Self.text("headline")),
    ]

    public static let linkColumns: [Column] = [
        Column("POS", Self.text("position")),
        Column("KIND", Self.text("kind")),
        Column("SLUG", flexible: true, { Listing.plain($0["article"]?["slug"]) }),
        Column("STATUS", { Listing.plain($0["article"]?["status"]) }),
        Column("HEADLINE", flexible: true, { Listing.plain($0["article"]?["headline"]) }),
        Column("LINK ID", Self.text("id")),
    ]

    public static let changesetColumns: [Column] = [
        // A replica lists its outbox: queued changesets have no seq yet, only a queue status.
        Column("SEQ", { $0["seq"].map { $0.isNull } ?? true ? Listing.plain($0["status"]) : Listing.plain($0["seq"]) }),
        Column("COMMITTED", { $0["committedAt"].map { $0.isNull } ?? true ? Listing.plain($0["queuedAt"]) : Listing.plain($0["committedAt"]) }),
        Column("AUTHOR", Self.text("author")),
        Column("OPS", Self.text("opCount")),
        Column("MESSAGE", flexible: true, Self.text("message")),
    ]

    public static let historyColumns: [Column] = [
        Column("V", Self.text("version")),
        Column("SEQ", Self.text("seq")),
        Column("COMMITTED", Self.text("committedAt")),
        Column("AUTHOR", Self.text("author")),
        Column("OP", Self.text("op")),
        Column("FIELDS", flexible: true, { Listing.plain($0["fields"]).replacingOccurrences(of: ",", with: ", ") }),
        Column("MESSAGE", flexible: true, Self.text("message")),
    ]

    /// The credit line a media item is shown with: the stored one, else the derived one.
    public static func creditLine(_ media: JSONObject) -> String? {
        guard let credit = media["credit"]?.objectValue else { return nil }
        if let line = credit["creditLine"]?.stringValue, !line.isEmpty { return line }
        return Derivations.creditLine(credit: credit)
    }

    /// An article as a person reads it: headline, facts, the body as Markdown, related stories.
    public static func articleText(_ article: JSONObject, related: [JSONObject]) -> String {
        var lines: [String] = []
        lines.append(Listing.plain(article["headline"]))
        if let subheadline = article["subheadline"]?.stringValue, !subheadline.isEmpty { lines.append(subheadline) }
        lines.append("")
        var facts = [Listing.plain(article["status"])]
        if let section = article["section"]?.stringValue { facts.append(section) }
        facts.append("\(article["readingMinutes"]?.intValue ?? 1) min read")
        facts.append("version \(Listing.plain(article["version"]))")
        if article["deleted"] == true { facts.append("DELETED") }
        lines.append(facts.joined(separator: " · "))
        lines.append("slug:      \(Listing.plain(article["slug"]))")
        lines.append("id:        \(Listing.plain(article["id"]))")
        if let tags = article["tags"]?.arrayValue, !tags.isEmpty {
            lines.append("tags:      \(tags.compactMap(\.stringValue).joined(separator: ", "))")
        }
        if let bylines = article["bylines"]?.arrayValue, !bylines.isEmpty {
            let names = bylines.map { byline -> String in
                let name = Listing.plain(byline["name"])
                guard let role = byline["role"]?.stringValue, !role.isEmpty else { return name }
                return "\(name) (\(role))"
            }
            lines.append("by:        \(names.joined(separator: ", "))")
        }
        if let published = article["publishedAt"]?.stringValue { lines.append("published: \(published)") }
        lines.append("updated:   \(Listing.plain(article["updatedAt"])) by \(Listing.plain(article["updatedBy"])) (changeset \(Listing.plain(article["seq"])))")
        if let leadID = article["leadMediaId"]?.stringValue {
            if let lead = article["leadMedia"]?.objectValue {
                let credit = Self.creditLine(lead).map { " — \($0)" } ?? " — no credit"
                lines.append("lead:      \(Listing.plain(lead["uri"]))\(credit) (\(leadID))")
            } else {
                lines.append("lead:      \(leadID) (missing)")
            }
        }
        let body = ArticleMarkdown.bodyMarkdown(article["body"]?.arrayValue ?? [])
        if !body.isEmpty {
            lines.append("")
            lines.append(body)
        }
        if !related.isEmpty {
            lines.append("")
            lines.append("Related stories:")
            for (index, link) in related.enumerated() {
                let other = link["article"]?.objectValue ?? [:]
                var line = "  \(index + 1). \(Listing.plain(other["headline"])) (\(Listing.plain(other["slug"])))"
                let kind = Listing.plain(link["kind"])
                if kind != "related" { line += " [\(kind)]" }
                if let label = link["label"]?.stringValue, !label.isEmpty { line += " “\(label)”" }
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A media item as a person reads it, with its credit line and where it is used.
    public static func mediaText(_ media: JSONObject, usage: [JSONObject]?) -> String {
        var lines: [String] = []
        lines.append("\(Listing.plain(media["kind"])) \(Listing.plain(media["uri"]))")
        lines.append("id:        \(Listing.plain(media["id"])) (version \(Listing.plain(media["version"])))")
        if let caption = media["caption"]?.stringValue { lines.append("caption:   \(caption)") }
        if let alt = media["altText"]?.stringValue { lines.append("alt text:  \(alt)") }
        if let width = media["width"]?.intValue, let height = media["height"]?.intValue { lines.append("size:      \(width) × \(height)") }
        lines.append("credit:    \(Self.creditLine(media) ?? "(none)")")
        let credit = media["credit"]?.objectValue ?? [:]
        for (key, label) in [("creator", "creator"), ("source", "source"), ("license", "license"), ("licenseUrl", "license url"), ("copyrightNotice", "copyright")] {
            if let value = credit[key]?.stringValue { lines.append("  \(label): \(value)") }
        }
        lines.append("updated:   \(Listing.plain(media["updatedAt"])) by \(Listing.plain(media["updatedBy"])) (changeset \(Listing.plain(media["seq"])))")
        if let usage {
            lines.append(usage.isEmpty ? "used by:   no live article" : "used by:")
            for use in usage {
                lines.append("  \(Listing.plain(use["slug"])) (\(Listing.plain(use["role"])), \(Listing.plain(use["status"])))")
            }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A changeset with one line per op.
    public static func changesetText(_ changeset: JSONObject) -> String {
        var lines: [String] = []
        if let queuedAt = changeset["queuedAt"]?.stringValue {
            lines.append("queued changeset (\(Listing.plain(changeset["status"])) in the replica's outbox): \(Listing.plain(changeset["message"]))")
            lines.append("id:        \(Listing.plain(changeset["id"]))")
            lines.append("queued:    \(queuedAt)")
            if let error = changeset["error"], !error.isNull { lines.append("refused:   \(JSONWriter.string(error))") }
        } else {
            lines.append("changeset \(Listing.plain(changeset["seq"])): \(Listing.plain(changeset["message"]))")
            lines.append("id:        \(Listing.plain(changeset["id"]))")
            lines.append("author:    \(Listing.plain(changeset["author"]))")
            lines.append("committed: \(Listing.plain(changeset["committedAt"]))")
        }
        let results = changeset["results"]?.arrayValue ?? []
        lines.append("ops:")
        for (index, op) in (changeset["ops"]?.arrayValue ?? []).enumerated() {
            var line = "  \(Listing.plain(op["op"])) \(Listing.plain(op["type"])) \(Listing.plain(op["id"]))"
            if let version = results[safe: index]?["version"]?.intValue { line += " -> v\(version)" }
            if let set = op["set"]?.objectValue, !set.isEmpty { line += " set \(set.keys.joined(separator: ", "))" }
            if let unset = op["unset"]?.arrayValue, !unset.isEmpty { line += " unset \(Listing.plain(.array(unset)))" }
            if op["cascade"] == true { line += " (cascade)" }
            lines.append(line)
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// What a commit did, in one line: `committed changeset 12 (3 ops)`.
    public static func commitSummary(_ result: JSONObject) -> String {
        let ops = result["results"]?.arrayValue?.count ?? 0
        let noun = ops == 1 ? "op" : "ops"
        if result["dryRun"] == true { return "dry run: \(ops) \(noun) would be committed\n" }
        if result["queued"] == true {
            let again = result["replayed"] == true ? " (already queued before: nothing changed)" : ""
            return "queued changeset \(Listing.plain(result["id"])) (\(ops) \(noun)) in the replica\(again); `galley push` or `galley sync` sends it\n"
        }
        let replayed = result["replayed"] == true ? " (already committed before: replayed, nothing changed)" : ""
        return "committed changeset \(Listing.plain(result["seq"])) (\(ops) \(noun))\(replayed)\n"
    }
}

extension Array {
    subscript(safe index: Int) -> Element? { self.indices.contains(index) ? self[index] : nil }
}
