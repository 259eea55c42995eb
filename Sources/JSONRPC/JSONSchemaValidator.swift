import NIOConcurrencyHelpers

/// One way a JSON value fails its schema: where, as a path relative to the validated value
/// (`ops[3].data.headline`; the value itself is `""`), and what is wrong, in words for people
/// (`is required`, `must be a string, not number`).
public struct SchemaViolation: Sendable, Hashable, CustomStringConvertible {
    public var path: String
    public var message: String

    public init(path: String, message: String) {
        self.path = path
        self.message = message
    }

    /// `path message`, or just the message for the value itself.
    public var description: String { self.path.isEmpty ? self.message : "\(self.path) \(self.message)" }
}

/// Checks JSON values against JSON Schemas (a draft 2020-12 subset) and reports every violation at once.
///
/// Supported keywords: `type` (a name or a list; `integer` is any number with no fractional part, so
/// `1.0` and `1e3` count), `enum`, `const`, `properties`, `required`, `additionalProperties` (`false` or
/// a schema), `minProperties`, `maxProperties`, `items`, `prefixItems`, `minItems`, `maxItems`,
/// `uniqueItems`, `minLength` and `maxLength` (counted in `Character`s), `pattern` (a search, not an
/// implicit whole-string match: anchor with `^...$`), `format` (`date-time` as in RFC 3339 and `uuid`;
/// other formats are not checked), `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum`,
/// `allOf`, `anyOf`, `oneOf` and `$ref` to a JSON pointer into the root document (`#/components/...`).
/// Other keywords (`description`, `title`, `default`, ...) are ignored. Numbers are compared by their
/// exact decimal value, never through `Double`, and `enum`/`const`/`uniqueItems` compare JSON values
/// by meaning (`1` equals `1.0`, member order does not matter).
///
/// `anyOf`/`oneOf` report a single violation for the composite rather than every alternative's
/// complaints, except when the alternatives are told apart by a constant `type` member (as body blocks
/// like `{"type": "paragraph", "text": ...}` are): then the violations of the alternative that `type`
/// selects are reported with their full paths, and an unknown `type` is reported at `....type`.
///
/// Every `pattern` in the root document is compiled once, in `init`; patterns met only in schemas
/// passed to ``validate(_:against:at:)`` are compiled on first use and cached.
public struct JSONSchemaValidator: Sendable {
    /// The document that `$ref`s are resolved against.
    public let root: JSONValue
    private let compiledPatterns: [String: CompiledPattern]
    private let laterPatterns: PatternCache
    /// Every local `$ref` of the root document, resolved once.
    private let resolvedReferences: [String: JSONValue]

    /// Nested schema applications (through values, `$ref`s and combinators) deeper than this are
    /// reported instead of followed, so a schema that refers to itself cannot recurse forever.
    static let maximumDepth = 512
    /// The member that tells the alternatives of a `oneOf`/`anyOf` apart, when they give it a `const`.
    static let discriminator = "type"

    public init(root: JSONValue) {
        self.root = root
        var patterns: [String: CompiledPattern] = [:]
        var references: [String: JSONValue] = [:]
        Self.collect(in: root, root: root, patterns: &patterns, references: &references)
        self.compiledPatterns = patterns
        self.laterPatterns = PatternCache()
        self.resolvedReferences = references
    }

    /// Every violation of `schema` by `value`, in document order; empty when the value is valid.
    /// `path` is prefixed to every reported path (`""` for the value itself).
    public func validate(_ value: JSONValue, against schema: JSONValue, at path: String = "") -> [SchemaViolation] {
        var violations: [SchemaViolation] = []
        self.check(value, against: schema, at: path, depth: 0, into: &violations)
        return violations
    }

    /// The value a local reference (`#`, `#/components/schemas/Role`) points at in ``root``, or nil when
    /// it is not a local reference or does not resolve. Pointer tokens are unescaped (`~1` is `/`,
    /// `~0` is `~`) and percent-decoded.
    public func resolve(_ reference: String) -> JSONValue? {
        self.resolvedReferences[reference] ?? Self.resolve(reference, in: self.root)
    }

    /// The patterns of the root document that cannot be compiled, each with the compiler's reason.
    public var invalidPatterns: [String: String] {
        var invalid: [String: String] = [:]
        for (source, pattern) in self.compiledPatterns {
            if let reason = pattern.compileError { invalid[source] = reason }
        }
        return invalid
    }

    /// Resolves a local JSON-pointer reference against `document`.
    public static func resolve(_ reference: String, in document: JSONValue) -> JSONValue? {
        guard reference.first == "#" else { return nil }
        let pointer = reference.dropFirst()
        if pointer.isEmpty { return document }
        guard pointer.first == "/" else { return nil }
        var current = document
        for rawToken in pointer.dropFirst().split(separator: "/", omittingEmptySubsequences: false) {
            guard var token = Self.percentDecoded(rawToken) else { return nil }
            if token.contains("~") { token = token.replacing("~1", with: "/").replacing("~0", with: "~") }
            switch current {
            case .object(let object):
                guard let next = object[token] else { return nil }
                current = next
            case .array(let array):
                guard let index = Int(token), index >= 0, index < array.count,
                    token == String(index)
                else { return nil }
                current = array[index]
            default:
                return nil
            }
        }
        return current
    }

    // MARK: - Applying a schema

    private func check(
        _ value: JSONValue,
        against schema: JSONValue,
        at path: String,
        depth: Int,
        into violations: inout [SchemaViolation]
    ) {
        guard depth < Self.maximumDepth else {
            violations.append(SchemaViolation(path: path, message: "cannot be checked: the schema nests too deeply"))
            return
        }
        let keywords: JSONObject
        switch schema {
        case .bool(true):
            return
        case .bool(false):
            violations.append(SchemaViolation(path: path, message: "is not allowed"))
            return
        case .object(let object):
            keywords = object
        default:
            return
        }

        if let reference = keywords["$ref"]?.stringValue {
            if let target = self.resolve(reference) {
                self.check(value, against: target, at: path, depth: depth + 1, into: &violations)
            } else {
                violations.append(
                    SchemaViolation(path: path, message: "cannot be checked: the schema reference \(reference) does not resolve")
                )
            }
        }

        if let type = keywords["type"], !Self.value(value, hasType: type) {
            violations.append(SchemaViolation(path: path, message: Self.typeMismatchMessage(expected: type, actual: value)))
            return
        }
        if let allowed = keywords["enum"]?.arrayValue, !allowed.contains(where: { Self.equal($0, value) }) {
            let list = allowed.map(Self.describe).joined(separator: ", ")
            violations.append(SchemaViolation(path: path, message: "must be one of: \(list)"))
        }
        if let constant = keywords["const"], !Self.equal(constant, value) {
            violations.append(SchemaViolation(path: path, message: "must be \(Self.describe(constant))"))
        }

        switch value {
        case .string(let string):
            self.checkString(string, keywords, at: path, into: &violations)
        case .number(let number):
            Self.checkNumber(number, keywords, at: path, into: &violations)
        case .array(let elements):
            self.checkArray(elements, keywords, at: path, depth: depth, into: &violations)
        case .object(let object):
            self.checkObject(object, keywords, at: path, depth: depth, into: &violations)
        case .null, .bool:
            break
        }

        if let all = keywords["allOf"]?.arrayValue {
            for alternative in all {
                self.check(value, against: alternative, at: path, depth: depth + 1, into: &violations)
            }
        }
        if let any = keywords["anyOf"]?.arrayValue {
            self.checkAlternatives(value, any, exactlyOne: false, at: path, depth: depth, into: &violations)
        }
        if let one = keywords["oneOf"]?.arrayValue {
            self.checkAlternatives(value, one, exactlyOne: true, at: path, depth: depth, into: &violations)
        }
    }

    private func checkString(
        _ string: String,
        _ keywords: JSONObject,
        at path: String,
        into violations: inout [SchemaViolation]
    ) {
        let minimum = keywords["minLength"]?.intValue
        let maximum = keywords["maxLength"]?.intValue
        // A Character takes at least one UTF-8 byte, so the byte count bounds the character count
        // from above, and only the first `limit` characters are ever walked: a long body is not counted.
        let bytes = string.utf8.count
        if let minimum, minimum > 0, bytes < minimum || string.prefix(minimum).count < minimum {
            let message = minimum == 1 ? "must not be empty" : "must be at least \(Self.count(minimum, "character"))"
            violations.append(SchemaViolation(path: path, message: message))
        }
        if let maximum, maximum >= 0, bytes > maximum, !string.dropFirst(maximum).isEmpty {
            violations.append(SchemaViolation(path: path, message: "must be at most \(Self.count(maximum, "character"))"))
        }
        if let source = keywords["pattern"]?.stringValue {
            let pattern = self.compiledPatterns[source] ?? self.laterPatterns.pattern(for: source)
            switch pattern.matches(string) {
            case .some(true):
                break
            case .some(false):
                violations.append(SchemaViolation(path: path, message: "must match \(source)"))
            case .none:
                violations.append(
                    SchemaViolation(path: path, message: "cannot be checked: the pattern \(source) is not a valid regular expression")
                )
            }
        }
        switch keywords["format"]?.stringValue {
        case "date-time":
            if !Self.isDateTime(string) {
                violations.append(
                    SchemaViolation(path: path, message: "must be an RFC 3339 date-time such as 2024-05-01T12:00:00Z")
                )
            }
        case "uuid":
            if !Self.isUUID(string) {
                violations.append(
                    SchemaViolation(path: path, message: "must be a UUID such as 0190a6e2-7c1f-7b3e-9a4d-2f5e8c1b0a93")
                )
            }
        default:
            break
        }
    }

    private static func checkNumber(
        _ number: JSONNumber,
        _ keywords: JSONObject,
        at path: String,
        into violations: inout [SchemaViolation]
    ) {
        let bounds: [(keyword: String, fails: (Int) -> Bool, phrase: String)] = [
            ("minimum", { $0 < 0 }, "at least"),
            ("maximum", { $0 > 0 }, "at most"),
            ("exclusiveMinimum", { $0 <= 0 }, "greater than"),
            ("exclusiveMaximum", { $0 >= 0 }, "less than"),
        ]
        for bound in bounds {
            guard let limit = keywords[bound.keyword]?.numberValue,
                let order = Self.compare(number, limit),
                bound.fails(order)
            else { continue }
            violations.append(SchemaViolation(path: path, message: "must be \(bound.phrase) \(limit.text)"))
        }
    }

    private func checkArray(
        _ elements: [JSONValue],
        _ keywords: JSONObject,
        at path: String,
        depth: Int,
        into violations: inout [SchemaViolation]
    ) {
        if let minimum = keywords["minItems"]?.intValue, elements.count < minimum {
            let message = minimum == 1 ? "must not be empty" : "must have at least \(Self.count(minimum, "item"))"
            violations.append(SchemaViolation(path: path, message: message))
        }
        if let maximum = keywords["maxItems"]?.intValue, elements.count > maximum {
            violations.append(SchemaViolation(path: path, message: "must have at most \(Self.count(maximum, "item"))"))
        }
        var prefixCount = 0
        if let prefix = keywords["prefixItems"]?.arrayValue {
            prefixCount = min(prefix.count, elements.count)
            for index in 0..<prefixCount {
                self.check(elements[index], against: prefix[index], at: Self.path(path, index: index), depth: depth + 1, into: &violations)
            }
        }
        if let items = keywords["items"] {
            for index in prefixCount..<elements.count {
                self.check(elements[index], against: items, at: Self.path(path, index: index), depth: depth + 1, into: &violations)
            }
        }
        if keywords["uniqueItems"]?.boolValue == true, elements.count > 1 {
            var firstIndex: [String: Int] = [:]
            for (index, element) in elements.enumerated() {
                let key = Self.canonicalKey(element)
                if let first = firstIndex[key] {
                    violations.append(
                        SchemaViolation(
                            path: Self.path(path, index: index),
                            message: "is a duplicate of \(Self.path(path, index: first))"
                        )
                    )
                } else {
                    firstIndex[key] = index
                }
            }
        }
    }

    private func checkObject(
        _ object: JSONObject,
        _ keywords: JSONObject,
        at path: String,
        depth: Int,
        into violations: inout [SchemaViolation]
    ) {
        if let minimum = keywords["minProperties"]?.intValue, object.count < minimum {
            let message = minimum == 1 ? "must not be empty" : "must have at least \(Self.count(minimum, "field"))"
            violations.append(SchemaViolation(path: path, message: message))
        }
        if let maximum = keywords["maxProperties"]?.intValue, object.count > maximum {
            violations.append(SchemaViolation(path: path, message: "must have at most \(Self.count(maximum, "field"))"))
        }
        let properties = keywords["properties"]?.objectValue
        let additional = keywords["additionalProperties"]
        for (name, member) in object {
            let memberPath = Self.path(path, member: name)
            if let schema = properties?[name] {
                self.check(member, against: schema, at: memberPath, depth: depth + 1, into: &violations)
            } else if case .bool(false) = additional {
                violations.append(SchemaViolation(path: memberPath, message: "is not a known field"))
            } else if let additional {
                self.check(member, against: additional, at: memberPath, depth: depth + 1, into: &violations)
            }
        }
        if let required = keywords["required"]?.arrayValue {
            for case .string(let name) in required where object[name] == nil {
                violations.append(SchemaViolation(path: Self.path(path, member: name), message: "is required"))
            }
        }
    }

    // MARK: - anyOf / oneOf

    private func checkAlternatives(
        _ value: JSONValue,
        _ alternatives: [JSONValue],
        exactlyOne: Bool,
        at path: String,
        depth: Int,
        into violations: inout [SchemaViolation]
    ) {
        guard !alternatives.isEmpty else { return }
        let discriminants = alternatives.map(self.discriminant(of:))
        // Every alternative fixes `type` and exactly one fixes it to the value's: the others cannot
        // match, so only that one is checked (body blocks are checked once, not once per block kind).
        if case .object(let object) = value, let given = object[Self.discriminator],
            discriminants.allSatisfy({ $0 != nil })
        {
            let selected = discriminants.indices.filter { discriminants[$0].map { Self.equal($0, given) } ?? false }
            if selected.count == 1 {
                self.check(value, against: alternatives[selected[0]], at: path, depth: depth + 1, into: &violations)
                return
            }
        }

        let results = alternatives.map { self.validate(value, against: $0, at: path, depth: depth + 1) }
        let matching = results.indices.filter { results[$0].isEmpty }
        if matching.count == 1 || (!exactlyOne && !matching.isEmpty) { return }

        let labels = alternatives.enumerated().map { self.label(of: $0.element, position: $0.offset) }
        if matching.count > 1 {
            let names = matching.map { labels[$0] }.joined(separator: ", ")
            violations.append(SchemaViolation(path: path, message: "must match exactly one of its forms, but matches \(names)"))
            return
        }

        // Alternatives told apart by a constant `type` member: report the selected one's violations.
        if case .object(let object) = value, discriminants.contains(where: { $0 != nil }) {
            let discriminantPath = Self.path(path, member: Self.discriminator)
            if let given = object[Self.discriminator] {
                let selected = discriminants.indices.filter { discriminants[$0].map { Self.equal($0, given) } ?? false }
                if selected.count == 1 {
                    violations.append(contentsOf: results[selected[0]])
                    return
                }
                if selected.isEmpty, discriminants.allSatisfy({ $0 != nil }) {
                    let list = discriminants.compactMap { $0.map(Self.describe) }.joined(separator: ", ")
                    violations.append(SchemaViolation(path: discriminantPath, message: "must be one of: \(list)"))
                    return
                }
            } else if discriminants.allSatisfy({ $0 != nil }) {
                let list = discriminants.compactMap { $0.map(Self.describe) }.joined(separator: ", ")
                violations.append(SchemaViolation(path: discriminantPath, message: "is required (one of: \(list))"))
                return
            }
        }

        // The value's JSON type fits none of the alternatives: say which types would.
        let declaredTypes = alternatives.map(self.declaredTypes(of:))
        if declaredTypes.allSatisfy({ $0 != nil }) {
            let types = declaredTypes.compactMap { $0 }.flatMap { $0 }
            if !types.contains(where: { Self.value(value, hasType: .string($0)) }) {
                var unique: [String] = []
                for type in types where !unique.contains(type) { unique.append(type) }
                let expected = JSONValue.array(unique.map { .string($0) })
                violations.append(SchemaViolation(path: path, message: Self.typeMismatchMessage(expected: expected, actual: value)))
                return
            }
        }

        // The closest form: one the value's JSON type fits, then the fewest violations; named only when unique.
        var message = "must match one of: \(labels.joined(separator: ", "))"
        let distances = alternatives.indices.map { index in
            let typeFits = declaredTypes[index].map { types in types.contains { Self.value(value, hasType: .string($0)) } } ?? true
            return (typeFits ? 0 : 1_000_000) + results[index].count
        }
        let fewest = distances.min() ?? 0
        let closest = distances.indices.filter { distances[$0] == fewest }
        if closest.count == 1, let first = results[closest[0]].first {
            let relative = Self.relativePath(first.path, to: path)
            let detail = relative.isEmpty ? first.message : "\(relative) \(first.message)"
            message += " (closest is \(labels[closest[0]]): \(detail))"
        }
        violations.append(SchemaViolation(path: path, message: message))
    }

    private func validate(_ value: JSONValue, against schema: JSONValue, at path: String, depth: Int) -> [SchemaViolation] {
        var violations: [SchemaViolation] = []
        self.check(value, against: schema, at: path, depth: depth, into: &violations)
        return violations
    }

    /// The schema with its `$ref` chain followed (a bounded number of hops).
    private func dereferenced(_ schema: JSONValue) -> JSONValue {
        var current = schema
        for _ in 0..<16 {
            guard let reference = current["$ref"]?.stringValue, let target = self.resolve(reference) else { break }
            current = target
        }
        return current
    }

    /// The constant value an alternative requires of the discriminator member, if any.
    private func discriminant(of alternative: JSONValue) -> JSONValue? {
        let schema = self.dereferenced(alternative)
        guard let property = schema["properties"]?[Self.discriminator] else { return nil }
        let resolved = self.dereferenced(property)
        if let constant = resolved["const"] { return constant }
        if let values = resolved["enum"]?.arrayValue, values.count == 1 { return values[0] }
        return nil
    }

    /// The JSON types an alternative declares with `type`, or nil when it does not restrict them.
    private func declaredTypes(of alternative: JSONValue) -> [String]? {
        switch self.dereferenced(alternative)["type"] {
        case .string(let name): [name]
        case .array(let names): names.compactMap(\.stringValue)
        default: nil
        }
    }

    /// A short name for an alternative: its `title`, its discriminator value, its `$ref` name, its type.
    private func label(of alternative: JSONValue, position: Int) -> String {
        let schema = self.dereferenced(alternative)
        if let title = schema["title"]?.stringValue { return title }
        if let discriminant = self.discriminant(of: alternative) { return Self.describe(discriminant) }
        if let reference = alternative["$ref"]?.stringValue, let name = reference.split(separator: "/").last {
            return String(name)
        }
        if let types = self.declaredTypes(of: alternative) { return types.joined(separator: " or ") }
        return "form \(position + 1)"
    }

    // MARK: - Types

    private static func value(_ value: JSONValue, hasType type: JSONValue) -> Bool {
        switch type {
        case .string(let name):
            switch (name, value) {
            case ("null", .null), ("boolean", .bool), ("number", .number), ("string", .string),
                ("array", .array), ("object", .object):
                return true
            case ("integer", .number(let number)):
                return DecimalValue(number.text)?.isInteger ?? false
            default:
                return false
            }
        case .array(let names):
            return names.contains { Self.value(value, hasType: $0) }
        default:
            return true
        }
    }

    private static func typeMismatchMessage(expected: JSONValue, actual: JSONValue) -> String {
        let names: [String] =
            switch expected {
            case .string(let name): [name]
            case .array(let list): list.compactMap(\.stringValue)
            default: []
            }
        let phrase = names.map(Self.typePhrase).joined(separator: " or ")
        if case .number = actual, names.contains("integer"), !names.contains("number") {
            // The value is a number, just not a whole one.
            if names == ["integer"] { return "must be an integer" }
            return "must be \(phrase), not a fractional number"
        }
        return "must be \(phrase), not \(actual.typeName)"
    }

    private static func typePhrase(_ name: String) -> String {
        switch name {
        case "null": "null"
        case "integer", "object", "array": "an \(name)"
        default: "a \(name)"
        }
    }

    // MARK: - Values

    /// JSON equality by meaning: numbers by decimal value, objects regardless of member order.
    static func equal(_ lhs: JSONValue, _ rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null):
            return true
        case (.bool(let left), .bool(let right)):
            return left == right
        case (.string(let left), .string(let right)):
            return left == right
        case (.number(let left), .number(let right)):
            if left.text == right.text { return true }
            return Self.compare(left, right) == 0
        case (.array(let left), .array(let right)):
            return left.count == right.count && zip(left, right).allSatisfy { Self.equal($0, $1) }
        case (.object(let left), .object(let right)):
            guard left.count == right.count else { return false }
            for (key, value) in left {
                guard let other = right[key], Self.equal(value, other) else { return false }
            }
            return true
        default:
            return false
        }
    }

    /// -1, 0 or 1 as `lhs` is below, equal to or above `rhs`; nil when a text is not a JSON number.
    static func compare(_ lhs: JSONNumber, _ rhs: JSONNumber) -> Int? {
        if let left = Int(lhs.text), let right = Int(rhs.text) {
            return left < right ? -1 : left > right ? 1 : 0
        }
        guard let left = DecimalValue(lhs.text), let right = DecimalValue(rhs.text) else { return nil }
        return left.compare(to: right)
    }

    /// A string equal for exactly the values `equal` calls equal (used for `uniqueItems`).
    private static func canonicalKey(_ value: JSONValue) -> String {
        switch value {
        case .null:
            return "null"
        case .bool(let bool):
            return bool ? "true" : "false"
        case .number(let number):
            guard let decimal = DecimalValue(number.text) else { return "n:" + number.text }
            return decimal.canonicalText
        case .string(let string):
            return JSONWriter.string(.string(string))
        case .array(let elements):
            return "[" + elements.map(Self.canonicalKey).joined(separator: ",") + "]"
        case .object(let object):
            let members = object.map { (key: $0.key, value: $0.value) }.sorted { $0.key < $1.key }
            return "{" + members.map { JSONWriter.string(.string($0.key)) + ":" + Self.canonicalKey($0.value) }
                .joined(separator: ",") + "}"
        }
    }

    /// A value as it appears in a message: strings bare, everything else as compact JSON.
    private static func describe(_ value: JSONValue) -> String {
        if case .string(let string) = value { return string }
        return JSONWriter.string(value)
    }

    private static func count(_ number: Int, _ noun: String) -> String {
        number == 1 ? "1 \(noun)" : "\(number) \(noun)s"
    }

    // MARK: - Paths

    /// `path.name`, or `path["odd name"]` when the name is not a plain identifier.
    static func path(_ path: String, member name: String) -> String {
        let plain =
            !name.isEmpty
            && name.utf8.allSatisfy { byte in
                (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                    || byte == UInt8(ascii: "_") || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "$")
            }
        if plain { return path.isEmpty ? name : "\(path).\(name)" }
        return "\(path)[\(JSONWriter.string(.string(name)))]"
    }

    static func path(_ path: String, index: Int) -> String {
        "\(path)[\(index)]"
    }

    private static func relativePath(_ path: String, to base: String) -> String {
        guard !base.isEmpty, path.hasPrefix(base) else { return path }
        var rest = path.dropFirst(base.count)
        if rest.first == "." { rest = rest.dropFirst() }
        return String(rest)
    }

    private static func percentDecoded(_ token: Substring) -> String? {
        guard token.contains("%") else { return String(token) }
        var bytes: [UInt8] = []
        var iterator = Array(token.utf8).makeIterator()
        while let byte = iterator.next() {
            guard byte == UInt8(ascii: "%") else {
                bytes.append(byte)
                continue
            }
            guard let high = iterator.next().flatMap(Self.hexValue), let low = iterator.next().flatMap(Self.hexValue) else {
                return nil
            }
            bytes.append(high << 4 | low)
        }
        return String(validating: bytes, as: UTF8.self)
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    // MARK: - Formats

    /// RFC 3339 `date-time`: `2024-05-01T12:00:00Z`, `2024-05-01T12:00:00.123+02:00` (a real calendar
    /// date, hours 00-23, seconds up to 60 for a leap second).
    public static func isDateTime(_ string: String) -> Bool {
        let bytes = Array(string.utf8)
        guard bytes.count >= 20 else { return false }
        func number(_ start: Int, _ length: Int) -> Int? {
            guard start + length <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[start..<start + length] {
                guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
                value = value * 10 + Int(byte - UInt8(ascii: "0"))
            }
            return value
        }
        guard let year = number(0, 4), bytes[4] == UInt8(ascii: "-"),
            let month = number(5, 2), bytes[7] == UInt8(ascii: "-"),
            let day = number(8, 2),
            bytes[10] == UInt8(ascii: "T") || bytes[10] == UInt8(ascii: "t"),
            let hour = number(11, 2), bytes[13] == UInt8(ascii: ":"),
            let minute = number(14, 2), bytes[16] == UInt8(ascii: ":"),
            let second = number(17, 2)
        else { return false }
        guard (1...12).contains(month), hour <= 23, minute <= 59, second <= 60 else { return false }
        let leap = year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
        let days = [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard (1...days).contains(day) else { return false }
        var index = 19
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            let start = index
            while index < bytes.count, bytes[index] >= UInt8(ascii: "0"), bytes[index] <= UInt8(ascii: "9") { index += 1 }
            guard index > start else { return false }
        }
        guard index < bytes.count else { return false }
        switch bytes[index] {
        case UInt8(ascii: "Z"), UInt8(ascii: "z"):
            return index + 1 == bytes.count
        case UInt8(ascii: "+"), UInt8(ascii: "-"):
            guard index + 6 == bytes.count, let offsetHour = number(index + 1, 2), bytes[index + 3] == UInt8(ascii: ":"),
                let offsetMinute = number(index + 4, 2)
            else { return false }
            return offsetHour <= 23 && offsetMinute <= 59
        default:
            return false
        }
    }

    /// `8-4-4-4-12` hexadecimal digits, either case (any version or variant).
    static func isUUID(_ string: String) -> Bool {
        let bytes = Array(string.utf8)
        guard bytes.count == 36 else { return false }
        for (index, byte) in bytes.enumerated() {
            if index == 8 || index == 13 || index == 18 || index == 23 {
                guard byte == UInt8(ascii: "-") else { return false }
            } else if Self.hexValue(byte) == nil {
                return false
            }
        }
        return true
    }

    // MARK: - Patterns

    /// Compiles every `pattern` and resolves every `$ref` of the root document.
    private static func collect(
        in value: JSONValue,
        root: JSONValue,
        patterns: inout [String: CompiledPattern],
        references: inout [String: JSONValue]
    ) {
        switch value {
        case .object(let object):
            if case .string(let source) = object["pattern"], patterns[source] == nil {
                patterns[source] = CompiledPattern(source)
            }
            if case .string(let reference) = object["$ref"], references[reference] == nil,
                let target = Self.resolve(reference, in: root)
            {
                references[reference] = target
            }
            for (_, member) in object { Self.collect(in: member, root: root, patterns: &patterns, references: &references) }
        case .array(let elements):
            for element in elements { Self.collect(in: element, root: root, patterns: &patterns, references: &references) }
        default:
            break
        }
    }
}

/// A compiled `pattern`, matched under its own lock.
///
/// `@unchecked Sendable`: `Regex` is not `Sendable`, and `NIOLockedValueBox` (unlike
/// `Synchronization.Mutex`, which ThreadSanitizer cannot see) only holds `Sendable` values; `regex`
/// is read only while `lock` is held, so one task at a time touches it.
private final class CompiledPattern: @unchecked Sendable {
    private let lock = NIOLock()
    private let regex: Regex<AnyRegexOutput>?
    /// Why the pattern did not compile, or nil when it did.
    let compileError: String?

    init(_ source: String) {
        do {
            // ECMA-262 (the regex dialect JSON Schema names) works on code points and means ASCII by
            // `\d` and `\w`; Swift's defaults are grapheme clusters and Unicode classes.
            let regex = try Regex(source)
                .matchingSemantics(.unicodeScalar)
                .asciiOnlyDigits()
                .asciiOnlyWordCharacters()
            self.regex = regex
            self.compileError = nil
        } catch {
            self.regex = nil
            self.compileError = "\(error)"
        }
    }

    /// Whether the pattern occurs anywhere in `string`; nil when the pattern did not compile.
    func matches(_ string: String) -> Bool? {
        guard let regex = self.regex else { return nil }
        return self.lock.withLock { string.contains(regex) }
    }
}

/// Patterns met outside the root document, compiled on first use.
private final class PatternCache: Sendable {
    private let patterns = NIOLockedValueBox<[String: CompiledPattern]>([:])

    func pattern(for source: String) -> CompiledPattern {
        self.patterns.withLockedValue { patterns in
            if let pattern = patterns[source] { return pattern }
            let pattern = CompiledPattern(source)
            patterns[source] = pattern
            return pattern
        }
    }
}

/// A JSON number's exact decimal value: `0.d₁d₂d₃… × 10^exponent` with no leading or trailing zero digit.
struct DecimalValue: Sendable {
    var negative: Bool
    /// The significant digits (0...9); empty for zero.
    var digits: [UInt8]
    var exponent: Int

    /// Reads RFC 8259 number text; nil for anything else.
    init?(_ text: String) {
        var bytes = Array(text.utf8)[...]
        self.negative = bytes.first == UInt8(ascii: "-")
        if self.negative { bytes = bytes.dropFirst() }
        func isDigit(_ byte: UInt8) -> Bool { byte >= UInt8(ascii: "0") && byte <= UInt8(ascii: "9") }
        let integerPart = bytes.prefix(while: isDigit)
        guard !integerPart.isEmpty else { return nil }
        bytes = bytes.dropFirst(integerPart.count)
        var fractionPart: ArraySlice<UInt8> = []
        if bytes.first == UInt8(ascii: ".") {
            bytes = bytes.dropFirst()
            fractionPart = bytes.prefix(while: isDigit)
            guard !fractionPart.isEmpty else { return nil }
            bytes = bytes.dropFirst(fractionPart.count)
        }
        var exponent = 0
        if let marker = bytes.first, marker == UInt8(ascii: "e") || marker == UInt8(ascii: "E") {
            bytes = bytes.dropFirst()
            var exponentNegative = false
            if let sign = bytes.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                exponentNegative = sign == UInt8(ascii: "-")
                bytes = bytes.dropFirst()
            }
            let exponentDigits = bytes.prefix(while: isDigit)
            guard !exponentDigits.isEmpty else { return nil }
            bytes = bytes.dropFirst(exponentDigits.count)
            for digit in exponentDigits {
                // Saturate: an exponent this large already puts the value beyond any schema bound.
                exponent = min(exponent * 10 + Int(digit - UInt8(ascii: "0")), 1_000_000_000_000)
            }
            if exponentNegative { exponent = -exponent }
        }
        guard bytes.isEmpty else { return nil }

        var digits = (integerPart + fractionPart).map { $0 - UInt8(ascii: "0") }[...]
        var pointPosition = integerPart.count + exponent
        while digits.first == 0 {
            digits = digits.dropFirst()
            pointPosition -= 1
        }
        while digits.last == 0 { digits = digits.dropLast() }
        if digits.isEmpty {
            self.negative = false
            pointPosition = 0
        }
        self.digits = Array(digits)
        self.exponent = pointPosition
    }

    var isZero: Bool { self.digits.isEmpty }

    /// No fractional part (`3`, `3.0`, `3e2`, `300e-2`).
    var isInteger: Bool { self.isZero || self.digits.count <= self.exponent }

    /// The same text for equal values.
    var canonicalText: String {
        "n:" + (self.negative ? "-" : "") + self.digits.map(String.init).joined() + "e\(self.exponent)"
    }

    /// -1, 0 or 1.
    func compare(to other: DecimalValue) -> Int {
        if self.isZero || other.isZero || self.negative != other.negative {
            let left = self.isZero ? 0 : (self.negative ? -1 : 1)
            let right = other.isZero ? 0 : (other.negative ? -1 : 1)
            return left < right ? -1 : left > right ? 1 : 0
        }
        var magnitude = 0
        if self.exponent != other.exponent {
            magnitude = self.exponent < other.exponent ? -1 : 1
        } else {
            for (left, right) in zip(self.digits, other.digits) where left != right {
                magnitude = left < right ? -1 : 1
                break
            }
            if magnitude == 0, self.digits.count != other.digits.count {
                magnitude = self.digits.count < other.digits.count ? -1 : 1
            }
        }
        return self.negative ? -magnitude : magnitude
    }
}
