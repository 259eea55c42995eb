import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `changeset.get`: one changeset with its ops as committed and the versions they produced.
struct ChangesetGetMethod: GalleyMethod {
    static let name = "changeset.get"
    static let access = MethodAccess.role(.reader)

    func call(_ params: JSONValue, context: MethodContext) async throws -> JSONValue {
        let seq = ContentWrites.int(params, "seq").map { Int64($0) }
        let id = ContentWrites.string(params, "id")
        guard seq != nil || id != nil else {
            throw JSONRPCError.invalidParams([(path: "", message: "give seq or id")])
        }
        guard let record = try await context.store.changeset(seq: seq, id: id) else {
            var details: JSONObject = ["entity": "changeset"]
            if let seq { details["seq"] = .number(JSONNumber(Int(seq))) }
            if let id { details["id"] = .string(id) }
            throw GalleyError(.notFound, kind: "not_found", "No changeset \(seq.map { "\($0)" } ?? id ?? "")", details: details)
        }
        return .object(Self.json(record, full: true))
    }

    static func json(_ record: ChangesetRecord, full: Bool) -> JSONObject {
        var object: JSONObject = [
            "seq": .number(JSONNumber(Int(record.seq))),
            "id": .string(record.id),
            "message": .string(record.message),
            "author": .string(record.author),
            "committedAt": .string(record.committedAt),
        ]
        if full {
            object["ops"] = .array(record.ops)
            object["results"] = .array(record.results)
        } else {
            object["opCount"] = .number(JSONNumber(record.ops.count))
        }
        return object
    }
}
