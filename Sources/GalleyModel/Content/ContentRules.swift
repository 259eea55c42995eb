import JSONRPC

/// The content model's rules: which fields each entity type has, who may write them, and what a
/// valid value looks like. Pure functions over ``JSONObject`` documents; no I/O, and nothing here
/// looks at other entities (that a referenced article or photo exists is the applier's business).
///
/// Every check reports every problem at once, as ``FieldError``s whose paths start with the
/// caller's prefix (`ops[2].data`) and whose messages follow the API's schema validator
/// (`is required`, `must be a string, not number`, `must be at most 300 characters`).
///
/// Null handling: an optional field without a default (`subheadline`, `section`, `publishedAt`,
/// `leadMediaId`, `caption`, `altText`, `width`, `height`, `credit` and its members, `position`,
/// `label`, and the optional members of body blocks and bylines) accepts `null`, meaning absent.
/// A required field, or one with a default (`status`, `tags`, `bylines`, `body`, `kind`), does not.
/// `slug` accepts `null` on create (meaning "derive it from the headline"), but an update may
/// neither unset it nor set it to `null`.
public enum ContentRules {
    /// Fields no client may write (server-set or derived).
    public static let readOnlyFields: Set<String> = [
        "id", "version", "seq", "createdAt", "updatedAt", "createdBy", "updatedBy", "readingMinutes", "deleted",
    ]

    /// The members of a media `credit`, in wire order. Each is its own field path (`credit.creator`)
    /// for updates, history and conflicts.
    public static let creditMembers: [String] = ["creator", "source", "license", "licenseUrl", "copyrightNotice", "creditLine"]

    /// `credit.<member>` for every credit member, in wire order.
    public static let creditPaths: [String] = creditMembers.map { "credit.\($0)" }

    /// Top-level fields a client may write for the type.
    public static func writableFields(_ type: EntityType) -> Set<String> {
        switch type {
        case .article: Self.articleFieldSet
        case .media: Self.mediaFieldSet
        case .link: Self.linkFieldSet
        }
    }

    /// Fields that may not be changed after create (link `fromId`/`toId`: delete and create instead).
    public static func immutableFields(_ type: EntityType) -> Set<String> {
        switch type {
        case .article, .media: []
        case .link: ["fromId", "toId"]
        }
    }

    /// Fields a document must have (``validateDocument(_:type:pathPrefix:)`` reports them missing).
    public static func requiredFields(_ type: EntityType) -> Set<String> {
        Set(Self.requiredFieldList(type))
    }

    /// Fields an update may neither unset nor set to `null`: the required ones, those with a default
    /// (which is applied only on create) and the article's slug (derived only on create).
    public static func permanentFields(_ type: EntityType) -> Set<String> {
        switch type {
        case .article: ["headline", "slug", "status", "tags", "bylines", "body"]
        case .media: ["uri", "kind"]
        case .link: ["fromId", "toId", "kind"]
        }
    }

    // MARK: - Validation entry points

    /// Checks `create` data: unknown fields (`is not a known field`), read-only fields (`is read-only`),
    /// then everything ``validateDocument(_:type:pathPrefix:)`` checks (with defaults applied, so a
    /// missing `status` or `kind` is fine). Every problem at once, in the data's member order, then
    /// missing required fields; paths prefixed with `pathPrefix` (e.g. `ops[2].data`).
    public static func validateCreate(_ data: JSONObject, type: EntityType, pathPrefix: String) -> [FieldError] {
        var errors: [FieldError] = []
        let writable = Self.writableFields(type)
        for (name, value) in data {
            let path = Self.path(pathPrefix, member: name)
            if Self.readOnlyFields.contains(name) {
                errors.append(FieldError(path: path, message: "is read-only"))
            } else if !writable.contains(name) {
                errors.append(FieldError(path: path, message: "is not a known field"))
            } else {
                Self.checkField(name, value, type: type, at: path, into: &errors)
            }
        }
        Self.checkRequired(data, type: type, pathPrefix: pathPrefix, into: &errors)
        return errors
    }

    /// Validates a whole client-writable document of `type` (after defaults are applied): required
    /// fields present, types, lengths, enums, patterns, uniqueness of tags, body block shapes (by
    /// their `type`), credit members, UUID syntax of id references (`leadMediaId`, `mediaId` in media
    /// blocks, `fromId`, `toId`). Does not check that referenced entities exist.
    ///
    /// Members that are not client-writable fields (a stored `readingMinutes`, say) are not
    /// reported here: ``validateCreate(_:type:pathPrefix:)`` and
    /// ``validateUpdate(set:unset:type:pathPrefix:)`` are the checks that name them.
    ///
    /// With `unchangedFrom`, the stored document an update started from, fields whose value is
    /// the same as there are not checked again: they passed these checks when they were written,
    /// and an edit of one field of a long article need not re-check its whole body (that was ~6%
    /// of the writer's time per one-field edit, galley-bench write). Required fields are always
    /// checked.
    public static func validateDocument(_ data: JSONObject, type: EntityType, pathPrefix: String, unchangedFrom previous: JSONObject? = nil) -> [FieldError] {
        var errors: [FieldError] = []
        let writable = Self.writableFields(type)
        for (name, value) in data where writable.contains(name) {
            if let previous, previous[name] == value { continue }
            Self.checkField(name, value, type: type, at: Self.path(pathPrefix, member: name), into: &errors)
        }
        Self.checkRequired(data, type: type, pathPrefix: pathPrefix, into: &errors)
        return errors
    }

    // MARK: - Field paths

    /// The value at a field path (`headline`, `credit.creator`), nil when absent (a stored `null`
    /// is returned as `.null`).
    public static func value(at path: String, in data: JSONObject) -> JSONValue? {
        guard let dot = path.firstIndex(of: ".") else { return data[path] }
        let head = String(path[..<dot])
        let rest = String(path[path.index(after: dot)...])
        return data[head]?.objectValue?[rest]
    }

    /// UUID syntax check: `8-4-4-4-12` hexadecimal digits, either case, any version or variant.
    /// The canonical form is lowercase.
    public static func isUUID(_ text: String) -> Bool {
        var count = 0
        for byte in text.utf8 {
            switch count {
            case 8, 13, 18, 23:
                guard byte == UInt8(ascii: "-") else { return false }
            default:
                guard Self.isHexDigit(byte) else { return false }
            }
            count += 1
            if count > 36 { return false }
        }
        return count == 36
    }

    /// RFC 3339 `date-time`: `2025-06-01T20:00:00Z`, `2025-06-01T20:00:00.123+02:00` (a real
    /// calendar date, hours 00-23, seconds up to 60 for a leap second).
    public static func isDateTime(_ text: String) -> Bool {
        // One definition for the API schema's `format: date-time` and the content rules.
        JSONSchemaValidator.isDateTime(text)
    }

    /// Whether `text` is a valid slug: `^[a-z0-9]+(-[a-z0-9]+)*$` (length is checked separately).
    public static func isSlug(_ text: String) -> Bool {
        var previousWasHyphen = true  // a leading hyphen is as bad as a doubled one
        var sawAny = false
        for byte in text.utf8 {
            if byte == UInt8(ascii: "-") {
                if previousWasHyphen { return false }
                previousWasHyphen = true
            } else if (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "z")) || (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) {
                previousWasHyphen = false
            } else {
                return false
            }
            sawAny = true
        }
        return sawAny && !previousWasHyphen
    }

    static let slugPattern = "^[a-z0-9]+(-[a-z0-9]+)*$"

    // MARK: - Tables

    static let articleFieldList = [
        "slug", "headline", "subheadline", "section", "tags", "bylines", "body", "status", "publishedAt", "leadMediaId",
    ]
    static let mediaFieldList = ["kind", "uri", "caption", "altText", "width", "height", "credit"]
    static let linkFieldList = ["fromId", "toId", "kind", "position", "label"]
    private static let articleFieldSet = Set(articleFieldList)
    private static let mediaFieldSet = Set(mediaFieldList)
    private static let linkFieldSet = Set(linkFieldList)

    /// Top-level writable fields in wire order.
    static func fieldList(_ type: EntityType) -> [String] {
        switch type {
        case .article: Self.articleFieldList
        case .media: Self.mediaFieldList
        case .link: Self.linkFieldList
        }
    }

    static func requiredFieldList(_ type: EntityType) -> [String] {
        switch type {
        case .article: ["headline"]
        case .media: ["uri"]
        case .link: ["fromId", "toId"]
        }
    }

    static let articleStatuses = ["draft", "published", "archived"]
    static let mediaKinds = ["image", "video", "audio", "graphic"]
    static let linkKinds = ["related", "follow-up", "background", "correction"]

    // MARK: - Field specifications

    /// What a value must look like.
    enum Spec {
        enum Format {
            case none, slug, uuid, dateTime
        }

        /// A string of `min...max` Characters; `nullable` lets `null` stand for absent.
        case string(min: Int, max: Int, nullable: Bool, format: Format = .none)
        /// One of a fixed list of strings.
        case oneOf([String])
        /// An integer in `min...max` (no upper bound when `max` is nil).
        case integer(min: Int, max: Int?, nullable: Bool)
        case boolean(nullable: Bool)
        /// Structured fields with their own checks.
        case tags, bylines, body, credit
        /// A list block's `items`: an array of strings.
        case stringList(maxLength: Int)
    }

    /// The specification of a top-level writable field, nil for a field the type does not have.
    static func spec(of field: String, type: EntityType) -> Spec? {
        switch type {
        case .article:
            switch field {
            case "slug": .string(min: 1, max: 120, nullable: true, format: .slug)
            case "headline": .string(min: 1, max: 300, nullable: false)
            case "subheadline": .string(min: 0, max: 500, nullable: true)
            case "section": .string(min: 1, max: 64, nullable: true)
            case "tags": .tags
            case "bylines": .bylines
            case "body": .body
            case "status": .oneOf(Self.articleStatuses)
            case "publishedAt": .string(min: 0, max: .max, nullable: true, format: .dateTime)
            case "leadMediaId": .string(min: 0, max: .max, nullable: true, format: .uuid)
            default: nil
            }
        case .media:
            switch field {
            case "kind": .oneOf(Self.mediaKinds)
            case "uri": .string(min: 1, max: 2048, nullable: false)
            case "caption": .string(min: 0, max: 2000, nullable: true)
            case "altText": .string(min: 0, max: 1000, nullable: true)
            case "width", "height": .integer(min: 1, max: 100_000, nullable: true)
            case "credit": .credit
            default: nil
            }
        case .link:
            switch field {
            case "fromId", "toId": .string(min: 0, max: .max, nullable: false, format: .uuid)
            case "kind": .oneOf(Self.linkKinds)
            case "position": .integer(min: 0, max: nil, nullable: true)
            case "label": .string(min: 0, max: 200, nullable: true)
            default: nil
            }
        }
    }

    /// The specification of a credit member, nil for a name that is not one.
    static func creditSpec(of member: String) -> Spec? {
        switch member {
        case "licenseUrl": .string(min: 0, max: 2048, nullable: true)
        case "creator", "source", "license", "copyrightNotice", "creditLine": .string(min: 0, max: 500, nullable: true)
        default: nil
        }
    }

    // MARK: - Checking values

    static func checkField(_ name: String, _ value: JSONValue, type: EntityType, at path: String, into errors: inout [FieldError]) {
        guard let spec = Self.spec(of: name, type: type) else { return }
        Self.check(value, spec, at: path, into: &errors)
    }

    static func checkRequired(_ data: JSONObject, type: EntityType, pathPrefix: String, into errors: inout [FieldError]) {
        for name in Self.requiredFieldList(type) where data[name] == nil {
            errors.append(FieldError(path: Self.path(pathPrefix, member: name), message: "is required"))
        }
    }

    static func check(_ value: JSONValue, _ spec: Spec, at path: String, into errors: inout [FieldError]) {
        switch spec {
        case .string(let min, let max, let nullable, let format):
            if value.isNull, nullable { return }
            guard case .string(let text) = value else {
                errors.append(FieldError(path: path, message: "must be a string, not \(value.typeName)"))
                return
            }
            Self.checkString(text, min: min, max: max, format: format, at: path, into: &errors)
        case .oneOf(let allowed):
            guard case .string(let text) = value else {
                errors.append(FieldError(path: path, message: "must be a string, not \(value.typeName)"))
                return
            }
            if !allowed.contains(text) {
                errors.append(FieldError(path: path, message: "must be one of: \(allowed.joined(separator: ", "))"))
            }
        case .integer(let min, let max, let nullable):
            if value.isNull, nullable { return }
            guard case .number(let number) = value else {
                errors.append(FieldError(path: path, message: "must be an integer, not \(value.typeName)"))
                return
            }
            let integer = number.intValue
            let fits: Bool =
                if let integer { integer >= min && (max.map { integer <= $0 } ?? true) } else { false }
            if !fits {
                let message =
                    if let max { "must be an integer between \(min) and \(max)" } else { "must be an integer of at least \(min)" }
                errors.append(FieldError(path: path, message: message))
            }
        case .boolean(let nullable):
            if value.isNull, nullable { return }
            if value.boolValue == nil {
                errors.append(FieldError(path: path, message: "must be a boolean, not \(value.typeName)"))
            }
        case .tags:
            Self.checkTags(value, at: path, into: &errors)
        case .bylines:
            Self.checkBylines(value, at: path, into: &errors)
        case .body:
            Self.checkBody(value, at: path, into: &errors)
        case .credit:
            Self.checkCredit(value, at: path, into: &errors)
        case .stringList(let maxLength):
            guard case .array(let items) = value else {
                errors.append(FieldError(path: path, message: "must be an array, not \(value.typeName)"))
                return
            }
            for (index, item) in items.enumerated() {
                Self.check(item, .string(min: 0, max: maxLength, nullable: false), at: Self.path(path, index: index), into: &errors)
            }
        }
    }

    static func checkString(_ text: String, min: Int, max: Int, format: Spec.Format, at path: String, into errors: inout [FieldError]) {
        switch format {
        case .uuid:
            if !Self.isUUID(text) { errors.append(FieldError(path: path, message: "must be a UUID")) }
            return
        case .dateTime:
            if !Self.isDateTime(text) { errors.append(FieldError(path: path, message: "must be an RFC 3339 date-time")) }
            return
        case .none, .slug:
            break
        }
        // A Character takes at least one UTF-8 byte, so the byte count bounds the character count
        // from above, and only the first `limit` characters are ever walked: a long text is not counted.
        let bytes = text.utf8.count
        if min > 0, bytes < min || text.prefix(min).count < min {
            errors.append(FieldError(path: path, message: "must be at least \(Self.count(min, "character"))"))
            return
        }
        if bytes > max, !text.dropFirst(max).isEmpty {
            errors.append(FieldError(path: path, message: "must be at most \(Self.count(max, "character"))"))
        }
        if format == .slug, !Self.isSlug(text) {
            errors.append(FieldError(path: path, message: "must match \(Self.slugPattern)"))
        }
    }

    static func count(_ number: Int, _ noun: String) -> String {
        number == 1 ? "1 \(noun)" : "\(number) \(noun)s"
    }

    /// Checks an array's type and length; returns its elements when it is one.
    static func checkArray(_ value: JSONValue, maxItems: Int, at path: String, into errors: inout [FieldError]) -> [JSONValue]? {
        guard case .array(let elements) = value else {
            errors.append(FieldError(path: path, message: "must be an array, not \(value.typeName)"))
            return nil
        }
        if elements.count > maxItems {
            errors.append(FieldError(path: path, message: "must have at most \(Self.count(maxItems, "item"))"))
        }
        return elements
    }

    /// Checks the members of an object against `members` (name to spec), reporting unknown members
    /// and missing `required` ones.
    static func checkMembers(
        _ object: JSONObject,
        members: KeyValuePairs<String, Spec>,
        required: [String],
        skipping skipped: String? = nil,
        at path: String,
        into errors: inout [FieldError]
    ) {
        for (name, value) in object where name != skipped {
            let memberPath = Self.path(path, member: name)
            if let spec = members.first(where: { $0.key == name })?.value {
                Self.check(value, spec, at: memberPath, into: &errors)
            } else {
                errors.append(FieldError(path: memberPath, message: "is not a known field"))
            }
        }
        for name in required where object[name] == nil {
            errors.append(FieldError(path: Self.path(path, member: name), message: "is required"))
        }
    }

    // MARK: - Paths

    /// `path.name`, or `path["odd name"]` when the name is not a plain identifier (as the schema
    /// validator writes them).
    static func path(_ path: String, member name: String) -> String {
        let plain = !name.isEmpty && name.utf8.allSatisfy(Self.isIdentifierByte)
        if plain { return path.isEmpty ? name : "\(path).\(name)" }
        return "\(path)[\(JSONWriter.string(.string(name)))]"
    }

    /// `path.credit.creator` for field paths, which may contain dots.
    static func path(_ path: String, fieldPath name: String) -> String {
        let plain =
            !name.isEmpty && name.first != "." && name.last != "."
            && name.utf8.allSatisfy { Self.isIdentifierByte($0) || $0 == UInt8(ascii: ".") }
        if plain { return path.isEmpty ? name : "\(path).\(name)" }
        return "\(path)[\(JSONWriter.string(.string(name)))]"
    }

    static func path(_ path: String, index: Int) -> String {
        "\(path)[\(index)]"
    }

    private static func isIdentifierByte(_ byte: UInt8) -> Bool {
        (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
            || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "$")
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        (byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9")) || (byte >= UInt8(ascii: "a") && byte <= UInt8(ascii: "f"))
            || (byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "F"))
    }
}
