import JSONRPC

/// Why a changeset was refused. Each case maps to one API error code; nothing of a refused
/// changeset is written.
public enum ChangesetError: Error, Sendable, Hashable {
    /// `-32022`: fields that break the content rules, every one named.
    case validation([FieldError])
    /// `-32009`: ops based on versions that others changed since, with both sides of each field.
    case conflict([VersionConflict])
    /// `-32010`: an integrity rule (`kind`) with the details a program needs.
    case integrity(kind: String, message: String, details: JSONObject)
    /// `-32004`: an op names an entity that never existed.
    case notFound(type: EntityType, id: String, opIndex: Int)
    /// `-32603 storage_failure`: reading the current content failed.
    case storage(String)
}

/// One entity whose base version is stale in a way that matters.
public struct VersionConflict: Sendable, Hashable {
    public enum Reason: String, Sendable {
        /// A field this op touches was changed by someone else after `baseVersion`.
        case fieldChanged = "field_changed"
        /// A delete based on a version that is no longer current.
        case staleDelete = "stale_delete"
        /// The entity was deleted.
        case deleted
        /// `baseVersion` is newer than the entity's current version.
        case unknownVersion = "unknown_version"
    }

    /// One field changed on both sides: its value at the base version, now, and in this op.
    public struct Field: Sendable, Hashable {
        public var field: String
        public var base: JSONValue
        public var theirs: JSONValue
        public var mine: JSONValue

        public init(field: String, base: JSONValue, theirs: JSONValue, mine: JSONValue) {
            self.field = field
            self.base = base
            self.theirs = theirs
            self.mine = mine
        }
    }

    public var type: EntityType
    public var id: String
    public var baseVersion: Int?
    public var currentVersion: Int
    public var reason: Reason
    public var fields: [Field]
    public var opIndex: Int

    public init(type: EntityType, id: String, baseVersion: Int?, currentVersion: Int, reason: Reason, fields: [Field], opIndex: Int) {
        self.type = type
        self.id = id
        self.baseVersion = baseVersion
        self.currentVersion = currentVersion
        self.reason = reason
        self.fields = fields
        self.opIndex = opIndex
    }

    public var json: JSONValue {
        .object([
            "type": .string(self.type.rawValue),
            "id": .string(self.id),
            "baseVersion": self.baseVersion.map { .number(JSONNumber($0)) } ?? .null,
            "currentVersion": .number(JSONNumber(self.currentVersion)),
            "reason": .string(self.reason.rawValue),
            "opIndex": .number(JSONNumber(self.opIndex)),
            "fields": .array(
                self.fields.map {
                    .object(["field": .string($0.field), "base": $0.base, "theirs": $0.theirs, "mine": $0.mine])
                }
            ),
        ])
    }
}
