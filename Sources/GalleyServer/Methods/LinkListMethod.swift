import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `link.list`: an article's related-story links in position order, each with a summary of the
/// article at the other end.
struct LinkListMethod: GalleyMethod {
    static let name = "link.list"
    static let access = MethodAccess.role(.reader)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        let articleID = (ContentWrites.string(params, "articleId") ?? "").lowercased()
        let outbound = ContentWrites.string(params, "direction") != "in"
        guard let article = try await context.store.entity(articleID, version: nil), article.type == .article else {
            throw GalleyError.notFound("article", articleID)
        }
        let links = try await context.store.links(of: articleID, outbound: outbound)
        let others = links.compactMap { ($0.data[outbound ? "toId" : "fromId"]?.stringValue)?.lowercased() }
        let summaries = try await context.store.articleSummaries(others)
        let items: [JSONValue] = zip(links, others).map { link, other in
            var item = link.wireJSON
            item["article"] = summaries[other].map { .object($0) } ?? .null
            return .object(item)
        }
        return ["items": .array(items)]
    }
}
