import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `article.update`: a one-op changeset that updates one article (see `EntityWrite`).
struct ArticleUpdateMethod: GalleyMethod {
    static let name = "article.update"
    static let access = MethodAccess.role(.editor)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        try await EntityWrite.call(.update, type: .article, params: params, context: context)
    }
}
