import JSONRPC

/// One operation of a changeset, as the applier understands it.
public enum ChangesetOp: Sendable, Hashable {
    case create(type: EntityType, id: String?, data: JSONObject)
    case update(type: EntityType, id: String, baseVersion: Int?, set: JSONObject, unset: [String])
    case delete(type: EntityType, id: String, baseVersion: Int?, cascade: Bool)
    /// Brings a deleted entity back with `data` (only produced by revert, never sent by clients).
    case restore(type: EntityType, id: String, baseVersion: Int?, data: JSONObject)

    public var type: EntityType {
        switch self {
        case .create(let type, _, _), .update(let type, _, _, _, _), .delete(let type, _, _, _), .restore(let type, _, _, _):
            type
        }
    }

    public var name: String {
        switch self {
        case .create: "create"
        case .update: "update"
        case .delete: "delete"
        case .restore: "restore"
        }
    }

    /// Reads one op sent by a client (already checked against the API schema for its envelope),
    /// or returns every problem with paths under `ops[index]`.
    public static func parse(_ value: JSONValue, index: Int) -> Result<ChangesetOp, FieldErrors> {
        let path = "ops[\(index)]"
        guard case .object(let object) = value else {
            return .failure(FieldErrors([FieldError(path: path, message: "must be an object")]))
        }
        var errors: [FieldError] = []
        let opName = object["op"]?.stringValue
        guard let typeName = object["type"]?.stringValue, let type = EntityType(rawValue: typeName) else {
            return .failure(FieldErrors([FieldError(path: "\(path).type", message: "must be one of: article, media, link")]))
        }
        func allowed(_ members: Set<String>) {
            for key in object.keys where !members.contains(key) {
                errors.append(FieldError(path: "\(path).\(key)", message: "is not a known field for \(opName ?? "this") op"))
            }
        }
        func identifier(required: Bool) -> String? {
            guard let raw = object["id"], !raw.isNull else {
                if required { errors.append(FieldError(path: "\(path).id", message: "is required")) }
                return nil
            }
            guard let text = raw.stringValue, ContentRules.isUUID(text) else {
                errors.append(FieldError(path: "\(path).id", message: "must be a UUID"))
                return nil
            }
            return text.lowercased()
        }
        func baseVersion() -> Int? {
            guard let raw = object["baseVersion"], !raw.isNull else { return nil }
            guard let version = raw.intValue, version >= 1 else {
                errors.append(FieldError(path: "\(path).baseVersion", message: "must be an integer of at least 1"))
                return nil
            }
            return version
        }
        let op: ChangesetOp?
        switch opName {
        case "create":
            allowed(["op", "type", "id", "data"])
            let id = identifier(required: false)
            guard case .object(let data) = object["data"] else {
                errors.append(FieldError(path: "\(path).data", message: "is required and must be an object"))
                return .failure(FieldErrors(errors))
            }
            errors += ContentRules.validateCreate(data, type: type, pathPrefix: "\(path).data")
            op = .create(type: type, id: id, data: data)
        case "update":
            allowed(["op", "type", "id", "baseVersion", "set", "unset"])
            let id = identifier(required: true)
            let version = baseVersion()
            var set = JSONObject()
            if let raw = object["set"], !raw.isNull {
                if case .object(let given) = raw { set = given } else {
                    errors.append(FieldError(path: "\(path).set", message: "must be an object"))
                }
            }
            var unset: [String] = []
            if let raw = object["unset"], !raw.isNull {
                if let items = raw.arrayValue, items.allSatisfy({ $0.stringValue != nil }) {
                    unset = items.compactMap(\.stringValue)
                } else {
                    errors.append(FieldError(path: "\(path).unset", message: "must be an array of field names"))
                }
            }
            if set.isEmpty && unset.isEmpty {
                errors.append(FieldError(path: path, message: "must set or unset at least one field"))
            }
            errors += ContentRules.validateUpdate(set: set, unset: unset, type: type, pathPrefix: path)
            op = id.map { .update(type: type, id: $0, baseVersion: version, set: set, unset: unset) }
        case "delete":
            allowed(["op", "type", "id", "baseVersion"])
            let id = identifier(required: true)
            let version = baseVersion()
            op = id.map { .delete(type: type, id: $0, baseVersion: version, cascade: false) }
        default:
            return .failure(FieldErrors([FieldError(path: "\(path).op", message: "must be one of: create, update, delete")]))
        }
        if !errors.isEmpty { return .failure(FieldErrors(errors)) }
        guard let op else { return .failure(FieldErrors([FieldError(path: path, message: "is not a valid op")])) }
        return .success(op)
    }

    /// The op as recorded in the changeset (ids filled in, defaults visible).
    public func committedJSON(id resolvedID: String) -> JSONValue {
        var object: JSONObject = ["op": .string(self.name), "type": .string(self.type.rawValue), "id": .string(resolvedID)]
        switch self {
        case .create(_, _, let data):
            object["data"] = .object(data)
        case .update(_, _, let baseVersion, let set, let unset):
            if let baseVersion { object["baseVersion"] = .number(JSONNumber(baseVersion)) }
            if !set.isEmpty { object["set"] = .object(set) }
            if !unset.isEmpty { object["unset"] = .array(unset.map { .string($0) }) }
        case .delete(_, _, let baseVersion, let cascade):
            if let baseVersion { object["baseVersion"] = .number(JSONNumber(baseVersion)) }
            if cascade { object["cascade"] = .bool(true) }
        case .restore(_, _, let baseVersion, let data):
            if let baseVersion { object["baseVersion"] = .number(JSONNumber(baseVersion)) }
            object["data"] = .object(data)
        }
        return .object(object)
    }
}

/// Several field errors, thrown or returned together.
public struct FieldErrors: Error, Sendable, Hashable {
    public var errors: [FieldError]
    public init(_ errors: [FieldError]) { self.errors = errors }
}
