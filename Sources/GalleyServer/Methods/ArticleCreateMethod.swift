import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `article.create`: a one-op changeset that creates one article (see `EntityWrite`).
struct ArticleCreateMethod: GalleyMethod {
    static let name = "article.create"
    static let access = MethodAccess.role(.editor)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        try await EntityWrite.call(.create, type: .article, params: params, context: context)
    }
}
