import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `article.list`: live article summaries, most recently changed first, filtered and searched.
struct ArticleListMethod: GalleyMethod {
    static let name = "article.list"
    static let access = MethodAccess.role(.reader)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        let limit = ContentWrites.int(params, "limit") ?? 50
        let items = try await context.store.listArticles(
            ArticleFilter(
                section: ContentWrites.string(params, "section"),
                status: ContentWrites.string(params, "status"),
                tag: ContentWrites.string(params, "tag"),
                query: ContentWrites.string(params, "q"),
                updatedAfter: ContentWrites.string(params, "updatedAfter"),
                limit: limit + 1,
                after: try ListCursor.decode(ContentWrites.string(params, "cursor"))
            )
        )
        let page = Array(items.prefix(limit))
        var next: JSONValue = .null
        if items.count > limit, let last = page.last, let seq = last["seq"]?.intValue, let id = last["id"]?.stringValue {
            next = .string(ListCursor.encode(seq: Int64(seq), id: id))
        }
        return ["items": .array(page.map { .object($0) }), "nextCursor": next]
    }
}
