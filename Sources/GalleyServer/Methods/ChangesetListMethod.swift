import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `changeset.list`: changesets newest first, filtered by range, author or entity.
struct ChangesetListMethod: GalleyMethod {
    static let name = "changeset.list"
    static let access = MethodAccess.role(.reader)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        let limit = ContentWrites.int(params, "limit") ?? 50
        var before = ContentWrites.int(params, "before").map { Int64($0) }
        if let cursor = ContentWrites.string(params, "cursor") {
            guard let seq = Int64(cursor), seq > 0 else {
                throw JSONRPCError.invalidParams([(path: "cursor", message: "is not a cursor this server issued")])
            }
            before = min(before ?? seq, seq)
        }
        let records = try await context.store.listChangesets(
            ChangesetFilter(
                after: ContentWrites.int(params, "after").map { Int64($0) },
                before: before,
                author: ContentWrites.string(params, "author"),
                entityID: ContentWrites.string(params, "entityId"),
                limit: limit + 1
            )
        )
        let page = records.prefix(limit)
        let next: JSONValue = records.count > limit ? .string("\(page.last!.seq)") : .null
        return ["items": .array(page.map { .object(ChangesetGetMethod.json($0, full: false)) }), "nextCursor": next]
    }
}
