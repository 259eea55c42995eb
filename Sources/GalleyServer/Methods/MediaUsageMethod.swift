import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `media.usage`: the live articles using a media asset, as lead or in the body.
struct MediaUsageMethod: GalleyMethod {
    static let name = "media.usage"
    static let access = MethodAccess.role(.reader)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        var lookup = params.objectValue ?? [:]
        lookup["includeDeleted"] = true
        let media = try await EntityLookup.resolve(.object(lookup), type: .media, context: context)
        let uses = try await context.store.mediaUsage(media.id)
        return [
            "items": .array(
                uses.map {
                    ["id": .string($0.articleID), "slug": .string($0.slug), "headline": .string($0.headline), "status": .string($0.status), "role": .string($0.role)]
                }
            )
        ]
    }
}
