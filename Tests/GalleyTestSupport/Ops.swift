import Foundation
import GalleyClient
import JSONRPC

/// Small builders for changesets in tests.
public enum Ops {
    public static func createArticle(_ id: String = UUID().uuidString.lowercased(), headline: String, _ extra: JSONObject = [:]) -> JSONValue {
        var data: JSONObject = ["headline": .string(headline)]
        for (key, value) in extra { data[key] = value }
        return ["op": "create", "type": "article", "id": .string(id), "data": .object(data)]
    }

    public static func createMedia(_ id: String = UUID().uuidString.lowercased(), uri: String = "media/photo.jpg", _ extra: JSONObject = [:]) -> JSONValue {
        var data: JSONObject = ["uri": .string(uri)]
        for (key, value) in extra { data[key] = value }
        return ["op": "create", "type": "media", "id": .string(id), "data": .object(data)]
    }

    public static func createLink(_ id: String = UUID().uuidString.lowercased(), from: String, to: String, _ extra: JSONObject = [:]) -> JSONValue {
        var data: JSONObject = ["fromId": .string(from), "toId": .string(to)]
        for (key, value) in extra { data[key] = value }
        return ["op": "create", "type": "link", "id": .string(id), "data": .object(data)]
    }

    public static func update(_ type: String, _ id: String, base: Int? = nil, set: JSONObject = [:], unset: [String] = []) -> JSONValue {
        var op: JSONObject = ["op": "update", "type": .string(type), "id": .string(id)]
        if let base { op["baseVersion"] = .number(JSONNumber(base)) }
        if !set.isEmpty { op["set"] = .object(set) }
        if !unset.isEmpty { op["unset"] = .array(unset.map { .string($0) }) }
        return .object(op)
    }

    public static func delete(_ type: String, _ id: String, base: Int? = nil) -> JSONValue {
        var op: JSONObject = ["op": "delete", "type": .string(type), "id": .string(id)]
        if let base { op["baseVersion"] = .number(JSONNumber(base)) }
        return .object(op)
    }
}

extension GalleyClient {
    /// Commits `ops` as one changeset with a fresh id.
    @discardableResult
    public func commit(_ ops: [JSONValue], message: String = "test edit", id: String = UUID().uuidString.lowercased(), dryRun: Bool = false) async throws -> JSONValue {
        var params: JSONObject = ["id": .string(id), "message": .string(message), "ops": .array(ops)]
        if dryRun { params["dryRun"] = true }
        return try await self.call("changeset.commit", params)
    }
}
