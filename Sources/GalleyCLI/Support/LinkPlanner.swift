import Foundation
import GalleyModel
import JSONRPC

/// The ops behind `galley link add/remove/reorder`, from articles named by slug or id.
public enum LinkPlanner {
    /// A create op for a link `from` → `to`.
    public static func add(from: String, to: String, kind: String?, position: Int?, label: String?, backend: any ContentBackend) async throws -> JSONValue {
        let fromID = Listing.plain(try await backend.article(from, version: nil)["id"])
        let toID = Listing.plain(try await backend.article(to, version: nil)["id"])
        var data: JSONObject = ["fromId": .string(fromID), "toId": .string(toID)]
        if let kind { data["kind"] = .string(kind) }
        if let position { data["position"] = .number(JSONNumber(position)) }
        if let label { data["label"] = .string(label) }
        return Ops.create(.link, id: UUIDv7.make(), data: data)
    }

    /// A delete op for the link from `from` to `to` (an article slug or id, or the link's own id).
    public static func remove(from: String, to: String, backend: any ContentBackend) async throws -> JSONValue {
        let links = try await self.outbound(from, backend: backend)
        let target = ContentRules.isUUID(to) ? to.lowercased() : nil
        let link = try await self.find(to, in: links, targetID: target, backend: backend)
        return Ops.delete(.link, id: Listing.plain(link["id"]), baseVersion: link["version"]?.intValue)
    }

    /// Updates of `position` so the links to `order` come first, in that order, and the others
    /// keep their order after them. Only links whose position changes get an op.
    public static func reorder(from: String, order: [String], backend: any ContentBackend) async throws -> [JSONValue] {
        let links = try await self.outbound(from, backend: backend)
        var ordered: [JSONObject] = []
        for reference in order {
            let target = ContentRules.isUUID(reference) ? reference.lowercased() : nil
            let link = try await self.find(reference, in: links, targetID: target, backend: backend)
            if ordered.contains(where: { $0["id"] == link["id"] }) { throw CLIError.usage("\(reference) is named twice") }
            ordered.append(link)
        }
        ordered += links.filter { link in !ordered.contains { $0["id"] == link["id"] } }
        var ops: [JSONValue] = []
        for (position, link) in ordered.enumerated() where link["position"]?.intValue != position {
            ops.append(Ops.update(.link, id: Listing.plain(link["id"]), baseVersion: link["version"]?.intValue, set: ["position": .number(JSONNumber(position))], unset: []))
        }
        return ops
    }

    private static func outbound(_ from: String, backend: any ContentBackend) async throws -> [JSONObject] {
        let article = try await backend.article(from, version: nil)
        return try await backend.links(articleID: Listing.plain(article["id"]), inbound: false)
    }

    /// The link whose other article is `reference` (slug or id), or whose own id it is.
    private static func find(_ reference: String, in links: [JSONObject], targetID: String?, backend: any ContentBackend) async throws -> JSONObject {
        if let targetID, let link = links.first(where: { $0["id"]?.stringValue == targetID || $0["toId"]?.stringValue == targetID }) {
            return link
        }
        if let link = links.first(where: { $0["article"]?["slug"]?.stringValue == reference }) { return link }
        throw CLIError.usage("no related-story link to \(reference) from this article; `galley link list SLUG` shows its links")
    }
}
