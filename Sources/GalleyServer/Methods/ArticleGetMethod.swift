import GalleyModel
import JSONRPC

/// `article.get`: an article now or at any version, by id or slug, with its lead media's current
/// state. Results are kept encoded (``EntityReplies``).
struct ArticleGetMethod: GalleyMethod {
    static let name = "article.get"
    static let access = MethodAccess.role(.reader)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        try await self.reply(params, context: context).value()
    }

    func reply(_ params: JSONValue, context: MethodContext) async throws -> JSONResult {
        try await EntityReplies.reply(params, type: .article, context: context)
    }
}
