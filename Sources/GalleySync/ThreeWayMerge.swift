import GalleyModel
import JSONRPC

/// The field-by-field three-way merge of a pulled server state with local edits. Pure.
///
/// For each field path of the type (`credit.creator` for media credit members): a field the
/// local edits did not write takes the server's value (this also covers values a replica derives
/// itself, such as `publishedAt`); a field written locally keeps the local value when the server
/// left it as it was in the base, or changed it to the same value; a local write that set the
/// base value again while the server changed it gives way to the server (it changed nothing);
/// anything else is a conflict, and the local value stays in the local view until resolved.
public enum ThreeWayMerge {
    /// A field changed differently on both sides.
    public struct FieldConflict: Sendable, Hashable {
        public var field: String
        public var base: JSONValue
        public var theirs: JSONValue
        public var mine: JSONValue
    }

    public struct Outcome: Sendable {
        /// The merged document.
        public var data: JSONObject
        public var conflicts: [FieldConflict]
        /// Fields written locally to their base value while the server changed them: the local
        /// ops should no longer write them.
        public var superseded: [String]
    }

    /// Merges `mine` (the local view, written at `mineTouched`) and `theirs` over `base`.
    public static func merge(type: EntityType, base: JSONObject, theirs: JSONObject, mine: JSONObject, mineTouched: Set<String>) -> Outcome {
        var set = JSONObject()
        var unset: [String] = []
        var conflicts: [FieldConflict] = []
        var superseded: [String] = []
        for path in ContentRules.fieldPaths(type) where mineTouched.contains(path) {
            let b = ContentRules.value(at: path, in: base)
            let t = ContentRules.value(at: path, in: theirs)
            let m = ContentRules.value(at: path, in: mine)
            let keepMine: Bool
            if ContentRules.sameValue(t, b) || ContentRules.sameValue(m, t) {
                keepMine = true
            } else if ContentRules.sameValue(m, b) {
                keepMine = false
                superseded.append(path)
            } else {
                keepMine = true
                conflicts.append(FieldConflict(field: path, base: b ?? .null, theirs: t ?? .null, mine: m ?? .null))
            }
            guard keepMine else { continue }
            if let m, !m.isNull { set[path] = m } else { unset.append(path) }
        }
        var data = ContentRules.applyUpdate(theirs, set: set, unset: unset)
        if type == .article {
            data["readingMinutes"] = .number(JSONNumber(Derivations.readingMinutes(body: data["body"])))
        }
        return Outcome(data: data, conflicts: conflicts, superseded: superseded)
    }

    /// `theirs` with the fields in `mineTouched` taken from `mine` (an entity created locally has
    /// no base to merge against: what the server holds is what was pushed, plus later edits).
    public static func overlay(type: EntityType, theirs: JSONObject, mine: JSONObject, mineTouched: Set<String>) -> JSONObject {
        merge(type: type, base: theirs, theirs: theirs, mine: mine, mineTouched: mineTouched).data
    }
}
