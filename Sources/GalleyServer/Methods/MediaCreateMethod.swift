import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `media.create`: a one-op changeset that creates one media (see `EntityWrite`).
struct MediaCreateMethod: GalleyMethod {
    static let name = "media.create"
    static let access = MethodAccess.role(.editor)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        try await EntityWrite.call(.create, type: .media, params: params, context: context)
    }
}
