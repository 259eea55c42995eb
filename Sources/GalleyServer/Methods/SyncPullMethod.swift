import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `sync.pull`: the feed a replica mirrors. Without a cursor it starts a snapshot of every live
/// entity at the current head; after the snapshot, log pages each cover whole changesets and are
/// consistent at `consistentAt`.
struct SyncPullMethod: GalleyMethod {
    static let name = "sync.pull"
    static let access = MethodAccess.role(.reader)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        let limit = ContentWrites.int(params, "limit") ?? 1000
        let cursor: SyncCursor
        if let text = ContentWrites.string(params, "cursor") {
            cursor = try SyncCursor.parse(text)
        } else {
            cursor = .snapshot(head: try await context.store.head(), after: nil)
        }
        let page: SyncPage
        let next: SyncCursor
        switch cursor {
        case .snapshot(let head, let after):
            let storeHead = try await context.store.head()
            guard head <= storeHead else {
                throw GalleyError(
                    .integrity,
                    kind: "cursor_expired",
                    "This cursor is from a newer history than the server has; start a new snapshot",
                    details: ["head": .number(JSONNumber(Int(storeHead)))]
                )
            }
            page = try await context.store.snapshotPage(at: head, after: after, limit: limit)
            next = page.snapshotResume.map { .snapshot(head: head, after: $0) } ?? .log(after: head)
        case .log(let after):
            let storeHead = try await context.store.head()
            guard after <= storeHead else {
                throw GalleyError(
                    .integrity,
                    kind: "cursor_expired",
                    "This cursor is from a newer history than the server has; start a new snapshot",
                    details: ["head": .number(JSONNumber(Int(storeHead)))]
                )
            }
            page = try await context.store.logPage(after: after, limit: limit)
            next = .log(after: page.consistentAt ?? after)
        }
        let items: [JSONValue] = page.items.map { item in
            [
                "type": .string(item.type.rawValue),
                "id": .string(item.id),
                "version": .number(JSONNumber(item.version)),
                "seq": .number(JSONNumber(Int(item.seq))),
                "deleted": .bool(item.deleted),
                "data": item.deleted ? .null : .object(Self.storedJSON(item.state)),
            ]
        }
        var result: JSONObject = [
            "items": .array(items),
            "cursor": .string(next.text),
            "hasMore": .bool(page.hasMore),
            "head": .number(JSONNumber(Int(page.head))),
            "consistentAt": page.consistentAt.map { .number(JSONNumber(Int($0))) } ?? .null,
        ]
        if let size = page.snapshotSize { result["snapshotSize"] = .number(JSONNumber(size)) }
        return .object(result)
    }

    /// The stored document with its metadata, without read-time derivations (a replica merges
    /// on stored fields and derives for display itself).
    static func storedJSON(_ state: EntityState) -> JSONObject {
        var object: JSONObject = [
            "id": .string(state.id),
            "version": .number(JSONNumber(state.version)),
            "seq": .number(JSONNumber(Int(state.seq))),
            "createdAt": .string(state.createdAt),
            "updatedAt": .string(state.updatedAt),
            "createdBy": .string(state.createdBy),
            "updatedBy": .string(state.updatedBy),
        ]
        for (key, value) in state.data { object[key] = value }
        return object
    }
}
