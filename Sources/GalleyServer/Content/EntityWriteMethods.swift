import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// The one-op convenience writes (`article.create`, `media.update`, ...): one op's fields plus a
/// message, committed as a one-op changeset. `changesetId` makes a retry safe; without it a fresh
/// id is generated (so a blind retry may apply twice: tools that retry should pass one).
enum EntityWrite {
    enum Kind: String {
        case create, update, delete
    }

    static func call(_ kind: Kind, type: EntityType, params: JSONValue, context: MethodContext) async throws -> JSONValue {
        guard case .object(var fields) = params else { throw JSONRPCError.invalidParams([(path: "", message: "must be an object")]) }
        let message = fields["message"]?.stringValue ?? ""
        let changesetID = fields["changesetId"]?.stringValue ?? UUIDv7.make()
        let dryRun = fields["dryRun"]?.boolValue ?? false
        fields["message"] = nil
        fields["changesetId"] = nil
        fields["dryRun"] = nil
        var op = fields
        op["op"] = .string(kind.rawValue)
        op["type"] = .string(type.rawValue)
        let record = try await ContentWrites.commit(
            id: changesetID,
            message: message,
            opValues: [.object(op)],
            submitted: ["message": .string(message), "ops": [.object(op)]],
            dryRun: dryRun,
            context: context
        )
        var entity: JSONValue = .null
        if kind != .delete, !dryRun, let id = record.results.first?["id"]?.stringValue,
            let state = try await context.store.entity(id, version: nil), !state.deleted
        {
            entity = .object(try await ContentWrites.entityJSON(state, context: context))
        }
        return ["changeset": record.json, "entity": entity]
    }
}
