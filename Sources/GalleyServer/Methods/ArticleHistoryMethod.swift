import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `article.history`: every version of an article, newest first, with who, when and why.
struct ArticleHistoryMethod: GalleyMethod {
    static let name = "article.history"
    static let access = MethodAccess.role(.reader)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        var lookup = params.objectValue ?? [:]
        lookup["includeDeleted"] = true
        lookup["limit"] = nil
        lookup["cursor"] = nil
        let article = try await EntityLookup.resolve(.object(lookup), type: .article, context: context)
        let limit = ContentWrites.int(params, "limit") ?? 50
        var before: Int? = nil
        if let cursor = ContentWrites.string(params, "cursor") {
            guard let version = Int(cursor), version > 0 else {
                throw JSONRPCError.invalidParams([(path: "cursor", message: "is not a cursor this server issued")])
            }
            before = version
        }
        let entries = try await context.store.history(article.id, limit: limit + 1, beforeVersion: before)
        let page = entries.prefix(limit)
        let items: [JSONValue] = page.map { entry in
            [
                "version": .number(JSONNumber(entry.version)),
                "seq": .number(JSONNumber(Int(entry.seq))),
                "changesetId": .string(entry.changesetID),
                "author": .string(entry.author),
                "message": .string(entry.message),
                "committedAt": .string(entry.committedAt),
                "op": .string(entry.op == "restore" ? "create" : entry.op),
                "fields": .array(entry.fields.map { .string($0) }),
            ]
        }
        let next: JSONValue = entries.count > limit ? .string("\(page.last!.version)") : .null
        return ["items": .array(items), "nextCursor": next]
    }
}
