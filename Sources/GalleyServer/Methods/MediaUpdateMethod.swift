import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `media.update`: a one-op changeset that updates one media (see `EntityWrite`).
struct MediaUpdateMethod: GalleyMethod {
    static let name = "media.update"
    static let access = MethodAccess.role(.editor)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        try await EntityWrite.call(.update, type: .media, params: params, context: context)
    }
}
