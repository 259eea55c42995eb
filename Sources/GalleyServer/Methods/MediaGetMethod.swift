import GalleyModel
import JSONRPC

/// `media.get`: a media asset with its credit (credit line derived when not set). Results are
/// kept encoded (``EntityReplies``).
struct MediaGetMethod: GalleyMethod {
    static let name = "media.get"
    static let access = MethodAccess.role(.reader)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        try await self.reply(params, context: context).value()
    }

    func reply(_ params: JSONValue, context: MethodContext) async throws -> JSONResult {
        try await EntityReplies.reply(params, type: .media, context: context)
    }
}
