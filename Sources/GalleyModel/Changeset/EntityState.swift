import JSONRPC

/// One version of one entity: its identity, version bookkeeping and stored document.
public struct EntityState: Sendable, Hashable {
    public var type: EntityType
    public var id: String
    public var version: Int
    /// The changeset that produced this version.
    public var seq: Int64
    public var deleted: Bool
    /// The client-writable fields plus stored derivations (`readingMinutes`); for a deleted
    /// entity, its last live document.
    public var data: JSONObject
    public var createdAt: String
    public var updatedAt: String
    public var createdBy: String
    public var updatedBy: String

    public init(
        type: EntityType,
        id: String,
        version: Int,
        seq: Int64,
        deleted: Bool,
        data: JSONObject,
        createdAt: String,
        updatedAt: String,
        createdBy: String,
        updatedBy: String
    ) {
        self.type = type
        self.id = id
        self.version = version
        self.seq = seq
        self.deleted = deleted
        self.data = data
        self.createdAt = createdAt
        self.updatedAt = updatedAt
        self.createdBy = createdBy
        self.updatedBy = updatedBy
    }

    /// The entity as clients read it: metadata first, then the document with its derivations.
    public var wireJSON: JSONObject {
        var object: JSONObject = [
            "id": .string(self.id),
            "version": .number(JSONNumber(self.version)),
            "seq": .number(JSONNumber(Int(self.seq))),
            "createdAt": .string(self.createdAt),
            "updatedAt": .string(self.updatedAt),
            "createdBy": .string(self.createdBy),
            "updatedBy": .string(self.updatedBy),
        ]
        for (key, value) in Derivations.presenting(self.data, type: self.type) { object[key] = value }
        if self.deleted { object["deleted"] = .bool(true) }
        return object
    }
}
