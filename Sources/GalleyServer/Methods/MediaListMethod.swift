import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `media.list`: live media, most recently changed first; `q` searches caption, creator and source.
struct MediaListMethod: GalleyMethod {
    static let name = "media.list"
    static let access = MethodAccess.role(.reader)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        let limit = ContentWrites.int(params, "limit") ?? 50
        let items = try await context.store.listMedia(
            query: ContentWrites.string(params, "q"),
            kind: ContentWrites.string(params, "kind"),
            limit: limit + 1,
            after: try ListCursor.decode(ContentWrites.string(params, "cursor"))
        )
        let page = Array(items.prefix(limit))
        let next: JSONValue = items.count > limit ? .string(ListCursor.encode(seq: page.last!.seq, id: page.last!.id)) : .null
        return ["items": .array(page.map { .object($0.wireJSON) }), "nextCursor": next]
    }
}
