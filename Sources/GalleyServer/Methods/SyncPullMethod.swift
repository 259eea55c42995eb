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
        try await self.reply(params, context: context).value()
    }

    func reply(_ params: JSONValue, context: MethodContext) async throws -> JSONResult {
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
        return .encoded(Self.encode(page, cursor: next.text))
    }

    /// The page as JSON text. Each item's `data` is its stored document with the entity's metadata
    /// in front, without read-time derivations (a replica merges on stored fields and derives for
    /// display itself), spliced as the store holds it: documents are most of a page, and parsing each
    /// only to write it again was most of what a page cost galleyd (BENCHMARKS.md, "Documents
    /// through the sync feed as text").
    static func encode(_ page: SyncPage, cursor: String) -> EncodedJSON {
        var text: [UInt8] = []
        text.reserveCapacity(page.items.reduce(256) { $0 + ($1.document?.bytes.count ?? 0) + 320 })
        text.append(contentsOf: #"{"items":["#.utf8)
        for (index, item) in page.items.enumerated() {
            if index > 0 { text.append(UInt8(ascii: ",")) }
            Self.write(item, into: &text)
        }
        text.append(contentsOf: "],".utf8)
        var rest: JSONObject = [
            "cursor": .string(cursor),
            "hasMore": .bool(page.hasMore),
            "head": .number(JSONNumber(Int(page.head))),
            "consistentAt": page.consistentAt.map { .number(JSONNumber(Int($0))) } ?? .null,
        ]
        if let size = page.snapshotSize { rest["snapshotSize"] = .number(JSONNumber(size)) }
        Self.writeMembers(rest, into: &text)
        text.append(UInt8(ascii: "}"))
        return EncodedJSON(uncheckedText: text)
    }

    /// `{type, id, version, seq, deleted, data}`; `data` is the metadata members, then the
    /// document's own (no document holds those names: they are `ContentRules.readOnlyFields`,
    /// which no write can set).
    static func write(_ item: SyncItem, into text: inout [UInt8]) {
        text.append(UInt8(ascii: "{"))
        let head: JSONObject = [
            "type": .string(item.type.rawValue),
            "id": .string(item.id),
            "version": .number(JSONNumber(item.version)),
            "seq": .number(JSONNumber(Int(item.seq))),
            "deleted": .bool(item.deleted),
        ]
        Self.writeMembers(head, into: &text)
        text.append(contentsOf: #","data":"#.utf8)
        guard !item.deleted, let document = item.document?.bytes else {
            text.append(contentsOf: "null}".utf8)
            return
        }
        text.append(UInt8(ascii: "{"))
        let metadata: JSONObject = [
            "id": .string(item.id),
            "version": .number(JSONNumber(item.version)),
            "seq": .number(JSONNumber(Int(item.seq))),
            "createdAt": .string(item.createdAt),
            "updatedAt": .string(item.updatedAt),
            "createdBy": .string(item.createdBy),
            "updatedBy": .string(item.updatedBy),
        ]
        Self.writeMembers(metadata, into: &text)
        // The document's members after the metadata's, unless it has none (`{}`).
        let members = document.dropFirst().dropLast()
        if !members.isEmpty {
            text.append(UInt8(ascii: ","))
            text.append(contentsOf: members)
        }
        text.append(contentsOf: "}}".utf8)
    }

    /// The members of `object` as JSON text, without the braces around them.
    private static func writeMembers(_ object: JSONObject, into text: inout [UInt8]) {
        let start = text.count
        JSONWriter.write(.object(object), into: &text)
        text.remove(at: start)
        text.removeLast()
    }
}
