import JSONRPC

/// What one changeset did to one entity: the versions it produced and the fields they changed.
public struct ProducedVersions: Sendable, Hashable {
    public var type: EntityType
    public var id: String
    public var firstVersion: Int
    public var lastVersion: Int
    public var fields: Set<String>

    public init(type: EntityType, id: String, firstVersion: Int, lastVersion: Int, fields: Set<String>) {
        self.type = type
        self.id = id
        self.firstVersion = firstVersion
        self.lastVersion = lastVersion
        self.fields = fields
    }
}

/// Plans the changeset that undoes another: every entity it touched goes back to its state
/// before it (created ones deleted, deleted ones restored, changed fields set back).
///
/// Each op is based on the version the reverted changeset left, so a later change to the same
/// fields surfaces as a version conflict, unless `force` (then the revert wins).
public enum RevertPlanner {
    public static func ops(reverting produced: [ProducedVersions], reader: any ContentReader, force: Bool) throws -> [ChangesetOp] {
        var ops: [ChangesetOp] = []
        for entity in produced {
            guard let current = try reader.entity(entity.id) else { continue }
            let base = force ? nil : entity.lastVersion
            let before = entity.firstVersion > 1 ? try reader.entity(entity.id, version: entity.firstVersion - 1) : nil
            switch (before, current.deleted) {
            case (nil, true):
                continue
            case (.some(let old), true) where old.deleted:
                continue
            case (nil, false):
                ops.append(.delete(type: entity.type, id: entity.id, baseVersion: base, cascade: false))
            case (.some(let old), false) where old.deleted:
                ops.append(.delete(type: entity.type, id: entity.id, baseVersion: base, cascade: false))
            case (.some(let old), true):
                ops.append(.restore(type: entity.type, id: entity.id, baseVersion: base, data: old.data))
            case (.some(let old), false):
                var set = JSONObject()
                var unset: [String] = []
                for field in entity.fields.sorted() {
                    if let value = ContentRules.value(at: field, in: old.data) {
                        set[field] = value
                    } else {
                        unset.append(field)
                    }
                }
                guard !set.isEmpty || !unset.isEmpty else { continue }
                ops.append(.update(type: entity.type, id: entity.id, baseVersion: base, set: set, unset: unset))
            }
        }
        return ops
    }
}
