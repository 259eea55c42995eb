import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `media.delete`: a one-op changeset that deletes one media (see `EntityWrite`).
struct MediaDeleteMethod: GalleyMethod {
    static let name = "media.delete"
    static let access = MethodAccess.role(.editor)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        try await EntityWrite.call(.delete, type: .media, params: params, context: context)
    }
}
