import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `article.delete`: a one-op changeset that deletes one article (see `EntityWrite`).
struct ArticleDeleteMethod: GalleyMethod {
    static let name = "article.delete"
    static let access = MethodAccess.role(.editor)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        try await EntityWrite.call(.delete, type: .article, params: params, context: context)
    }
}
