import Foundation
import GalleyModel
import JSONRPC

/// Builds changeset ops in their wire form.
public enum Ops {
    public static func create(_ type: EntityType, id: String, data: JSONObject) -> JSONValue {
        ["op": "create", "type": .string(type.rawValue), "id": .string(id), "data": .object(data)]
    }

    /// An update based on `baseVersion`: it fails with a conflict only when a field it touches
    /// changed after that version.
    public static func update(_ type: EntityType, id: String, baseVersion: Int?, set: JSONObject, unset: [String]) -> JSONValue {
        var op: JSONObject = ["op": "update", "type": .string(type.rawValue), "id": .string(id)]
        if let baseVersion { op["baseVersion"] = .number(JSONNumber(baseVersion)) }
        if !set.isEmpty { op["set"] = .object(set) }
        if !unset.isEmpty { op["unset"] = .array(unset.map { .string($0) }) }
        return .object(op)
    }

    public static func delete(_ type: EntityType, id: String, baseVersion: Int?) -> JSONValue {
        var op: JSONObject = ["op": "delete", "type": .string(type.rawValue), "id": .string(id)]
        if let baseVersion { op["baseVersion"] = .number(JSONNumber(baseVersion)) }
        return .object(op)
    }
}
