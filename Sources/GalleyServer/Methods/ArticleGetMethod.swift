import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `article.get`: an article now or at any version, by id or slug.
struct ArticleGetMethod: GalleyMethod {
    static let name = "article.get"
    static let access = MethodAccess.role(.reader)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        let state = try await EntityLookup.resolve(params, type: .article, context: context)
        return .object(try await ContentWrites.entityJSON(state, context: context))
    }
}

/// Finding the entity a read names: by `id` (or an article's `slug`), now or at `version`.
/// A deleted entity's current state is not found unless `includeDeleted`.
enum EntityLookup {
    static func resolve(_ params: JSONValue, type: EntityType, context: MethodContext) async throws -> EntityState {
        let version = ContentWrites.int(params, "version")
        let includeDeleted = ContentWrites.bool(params, "includeDeleted")
        let id: String
        if let given = ContentWrites.string(params, "id") {
            id = given.lowercased()
        } else if type == .article, let slug = ContentWrites.string(params, "slug") {
            let found = version != nil || includeDeleted
                ? try await context.store.anyArticleID(slug: slug)
                : try await context.store.liveArticleID(slug: slug)
            guard let found else {
                throw GalleyError(.notFound, kind: "not_found", "No article with slug \(slug)", details: ["entity": "article", "slug": .string(slug)])
            }
            id = found
        } else {
            throw JSONRPCError.invalidParams([(path: "", message: type == .article ? "give id or slug" : "id is required")])
        }
        guard let current = try await context.store.entity(id, version: nil), current.type == type else {
            throw GalleyError.notFound(type.rawValue, id)
        }
        if let version {
            guard let old = try await context.store.entity(id, version: version) else {
                throw GalleyError(
                    .notFound,
                    kind: "not_found",
                    "\(type.rawValue) \(id) has no version \(version) (current: \(current.version))",
                    details: ["entity": .string(type.rawValue), "id": .string(id), "version": .number(JSONNumber(version)), "currentVersion": .number(JSONNumber(current.version))]
                )
            }
            return old
        }
        if current.deleted && !includeDeleted {
            throw GalleyError(
                .notFound,
                kind: "not_found",
                "\(type.rawValue) \(id) was deleted (pass includeDeleted or a version to read it)",
                details: ["entity": .string(type.rawValue), "id": .string(id), "deleted": true]
            )
        }
        return current
    }
}
