import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `media.get`: a media asset with its credit (credit line derived when not set).
struct MediaGetMethod: GalleyMethod {
    static let name = "media.get"
    static let access = MethodAccess.role(.reader)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        .object(try await EntityLookup.resolve(params, type: .media, context: context).wireJSON)
    }
}
