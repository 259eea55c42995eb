import JSONRPC

extension ContentRules {
    // MARK: - Validating an update

    /// Checks an update's `set` keys (fields, or for media `credit.<member>` paths) and `unset`
    /// entries: unknown (`is not a known field`), read-only (`is read-only`), immutable (`cannot be
    /// changed after create`), unsetting (or setting to `null`) a field an entity must keep (`is
    /// required and cannot be unset`), the same field both set and unset (`cannot be both set and
    /// unset`, also when `credit` and one of its members meet), a repeated `unset` entry, and the type
    /// and shape of each set value (the same checks as ``validateDocument(_:type:pathPrefix:)``).
    /// Paths: `<pathPrefix>.set.<key>` and `<pathPrefix>.unset[i]`.
    public static func validateUpdate(set: JSONObject, unset: [String], type: EntityType, pathPrefix: String) -> [FieldError] {
        var errors: [FieldError] = []
        let setPath = Self.path(pathPrefix, member: "set")
        let unsetPath = Self.path(pathPrefix, member: "unset")

        for (key, value) in set {
            let path = Self.path(setPath, fieldPath: key)
            switch Self.classify(key, type: type) {
            case .unknown:
                errors.append(FieldError(path: path, message: "is not a known field"))
            case .readOnly:
                errors.append(FieldError(path: path, message: "is read-only"))
            case .immutable:
                errors.append(FieldError(path: path, message: "cannot be changed after create"))
            case .field(let spec, let permanent):
                if permanent, value.isNull {
                    errors.append(FieldError(path: path, message: "is required and cannot be unset"))
                } else {
                    Self.check(value, spec, at: path, into: &errors)
                }
                if key.hasPrefix("credit."), set["credit"] != nil {
                    errors.append(FieldError(path: path, message: "cannot be set together with credit"))
                }
            }
        }

        var firstIndex: [String: Int] = [:]
        for (index, key) in unset.enumerated() {
            let path = Self.path(unsetPath, index: index)
            if let first = firstIndex[key] {
                errors.append(FieldError(path: path, message: "is a duplicate of \(Self.path(unsetPath, index: first))"))
                continue
            }
            firstIndex[key] = index
            switch Self.classify(key, type: type) {
            case .unknown:
                errors.append(FieldError(path: path, message: "is not a known field"))
            case .readOnly:
                errors.append(FieldError(path: path, message: "is read-only"))
            case .immutable:
                errors.append(FieldError(path: path, message: "cannot be changed after create"))
            case .field(_, let permanent):
                if permanent {
                    errors.append(FieldError(path: path, message: "is required and cannot be unset"))
                } else if Self.overlaps(key, set) {
                    errors.append(FieldError(path: path, message: "cannot be both set and unset"))
                }
            }
        }
        return errors
    }

    private enum UpdateKey {
        case unknown, readOnly, immutable
        case field(Spec, permanent: Bool)
    }

    /// What an update key names for `type`.
    private static func classify(_ key: String, type: EntityType) -> UpdateKey {
        if let dot = key.firstIndex(of: ".") {
            let head = key[..<dot]
            let member = String(key[key.index(after: dot)...])
            guard type == .media, head == "credit", let spec = Self.creditSpec(of: member) else { return .unknown }
            return .field(spec, permanent: false)
        }
        if Self.readOnlyFields.contains(key) { return .readOnly }
        guard let spec = Self.spec(of: key, type: type) else { return .unknown }
        if Self.immutableFields(type).contains(key) { return .immutable }
        return .field(spec, permanent: Self.permanentFields(type).contains(key))
    }

    /// Whether unsetting `key` conflicts with something `set` writes: the same key, `credit` while
    /// a member is set, or a member while `credit` is set.
    private static func overlaps(_ key: String, _ set: JSONObject) -> Bool {
        if set[key] != nil { return true }
        if key == "credit" { return set.keys.contains { $0.hasPrefix("credit.") } }
        if key.hasPrefix("credit.") { return set["credit"] != nil }
        return false
    }

    // MARK: - Applying an update

    /// `data` with `unset` then `set` applied. `credit.<member>` sets a member of `credit`, creating
    /// the object when absent; unsetting the last member leaves an empty object. `null` as a set
    /// value means the same as unset; `null` members of a whole `credit` object set are dropped.
    public static func applyUpdate(_ data: JSONObject, set: JSONObject, unset: [String]) -> JSONObject {
        var result = data
        for key in unset { Self.remove(key, from: &result) }
        for (key, value) in set {
            if value.isNull {
                Self.remove(key, from: &result)
            } else if let dot = key.firstIndex(of: ".") {
                let head = String(key[..<dot])
                let member = String(key[key.index(after: dot)...])
                var object = result[head]?.objectValue ?? JSONObject()
                object[member] = value
                result[head] = .object(object)
            } else if key == "credit", case .object(let credit) = value {
                result[key] = .object(Self.droppingNulls(credit))
            } else {
                result[key] = value
            }
        }
        return result
    }

    private static func remove(_ key: String, from data: inout JSONObject) {
        guard let dot = key.firstIndex(of: ".") else {
            data[key] = nil
            return
        }
        let head = String(key[..<dot])
        let member = String(key[key.index(after: dot)...])
        guard var object = data[head]?.objectValue else { return }
        object[member] = nil
        data[head] = .object(object)
    }

    // MARK: - Defaults

    /// Defaults applied on create: article `status` "draft", `tags` [], `bylines` [], `body` [];
    /// media `kind` "image"; link `kind` "related". Optional fields given as `null` (which means
    /// absent) are dropped, as are `null` members of `credit`. A `null` given for a field with a
    /// default is left alone, for validation to reject. (Slug derivation, link position defaults and
    /// `publishedAt` are the applier's.)
    public static func applyingDefaults(_ data: JSONObject, type: EntityType) -> JSONObject {
        let defaults: KeyValuePairs<String, JSONValue> =
            switch type {
            case .article: ["status": "draft", "tags": [], "bylines": [], "body": []]
            case .media: ["kind": "image"]
            case .link: ["kind": "related"]
            }
        var result = JSONObject()
        for (key, value) in data {
            if value.isNull, !defaults.contains(where: { $0.key == key }), !Self.requiredFields(type).contains(key) { continue }
            if type == .media, key == "credit", case .object(let credit) = value {
                result[key] = .object(Self.droppingNulls(credit))
            } else {
                result[key] = value
            }
        }
        for (key, value) in defaults where result[key] == nil && data[key] == nil {
            result[key] = value
        }
        return result
    }

    private static func droppingNulls(_ object: JSONObject) -> JSONObject {
        guard object.values.contains(where: \.isNull) else { return object }
        return JSONObject(object.lazy.filter { !$0.value.isNull }.map { ($0.key, $0.value) })
    }

    // MARK: - Which fields a change concerns

    /// The field paths whose values differ between two stored documents: top-level writable fields,
    /// except that for media each credit member is its own path (`credit.creator`). Values are
    /// compared by meaning (`1` equals `1.0`, member order does not matter, `null` equals absent).
    /// Sorted. `old == nil` means every present (non-null) field.
    public static func changedFields(from old: JSONObject?, to new: JSONObject, type: EntityType) -> [String] {
        var changed: [String] = []
        for path in Self.fieldPaths(type) {
            let after = Self.value(at: path, in: new)
            if let old {
                if !Self.sameValue(Self.value(at: path, in: old), after) { changed.append(path) }
            } else if let after, !after.isNull {
                changed.append(path)
            }
        }
        return changed.sorted()
    }

    /// Every field path of a type: its writable fields, with media `credit` expanded to its members.
    public static func fieldPaths(_ type: EntityType) -> [String] {
        switch type {
        case .article: Self.articleFieldList
        case .media: Self.mediaFieldList.filter { $0 != "credit" } + Self.creditPaths
        case .link: Self.linkFieldList
        }
    }

    /// The field paths an update touches: its set keys and unset entries, with media `credit` (set
    /// or unset whole) expanded to all six `credit.<member>` paths.
    public static func touchedFields(set: JSONObject, unset: [String], type: EntityType) -> Set<String> {
        var touched = Set<String>()
        for key in set.keys + unset {
            if type == .media, key == "credit" {
                touched.formUnion(Self.creditPaths)
            } else {
                touched.insert(key)
            }
        }
        return touched
    }

    /// JSON equality by meaning: numbers by value, objects regardless of member order, and `null`
    /// the same as absent.
    public static func sameValue(_ lhs: JSONValue?, _ rhs: JSONValue?) -> Bool {
        switch (lhs ?? .null, rhs ?? .null) {
        case (.null, .null):
            return true
        case (.bool(let left), .bool(let right)):
            return left == right
        case (.string(let left), .string(let right)):
            return left == right
        case (.number(let left), .number(let right)):
            if left.text == right.text { return true }
            if let leftInt = left.intValue, let rightInt = right.intValue { return leftInt == rightInt }
            guard let leftDouble = left.doubleValue, let rightDouble = right.doubleValue else { return false }
            return leftDouble == rightDouble
        case (.array(let left), .array(let right)):
            guard left.count == right.count else { return false }
            // An edit that leaves a body alone keeps its storage: equal without a walk of the
            // 300-1,500 words (the walk was ~5% of the writer's time per one-field edit).
            if Self.sharesStorage(left, right) { return true }
            return zip(left, right).allSatisfy { Self.sameValue($0, $1) }
        case (.object(let left), .object(let right)):
            if Self.sharesStorage(left.keys, right.keys), Self.sharesStorage(left.values, right.values) { return true }
            for (key, value) in left where !Self.sameValue(value, right[key]) { return false }
            for (key, value) in right where left[key] == nil && !value.isNull { return false }
            return true
        default:
            return false
        }
    }

    private static func sharesStorage<Element>(_ left: [Element], _ right: [Element]) -> Bool {
        left.withUnsafeBufferPointer { left in right.withUnsafeBufferPointer { right in left.baseAddress == right.baseAddress && left.count == right.count } }
    }
}
