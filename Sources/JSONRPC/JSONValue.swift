/// A JSON value that keeps what a program needs to answer exactly: object member order and the
/// literal text of every number (`1.0`, `1e3` and `1152921504606846976` survive a round trip).
///
/// Written by hand rather than taken from Foundation because `JSONSerialization` and `JSONDecoder`
/// turn numbers into `Double`/`Int` (so JSON-RPC ids like `1.0` or `2^60` would not be echoed as sent)
/// and give no control over nesting depth or error positions.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(JSONNumber)
    case string(String)
    case array([JSONValue])
    case object(JSONObject)
}

/// A JSON number kept as the text it was written with.
public struct JSONNumber: Sendable, Hashable, CustomStringConvertible {
    /// The number exactly as it appeared in the JSON text (RFC 8259 number grammar).
    public let text: String

    /// Wraps text that is already known to follow the JSON number grammar (the parser's output).
    public init(uncheckedText text: String) {
        self.text = text
    }

    public init(_ value: Int) {
        self.text = String(value)
    }

    public init(_ value: Int64) {
        self.text = String(value)
    }

    /// A finite double written in its shortest round-tripping form; non-finite values become `0`.
    public init(_ value: Double) {
        if !value.isFinite {
            self.text = "0"
        } else if value == value.rounded(), abs(value) < 1e15 {
            self.text = String(Int64(value))
        } else {
            self.text = "\(value)"
        }
    }

    /// The value as an `Int` when the text is an integer that fits (also `1.0` or `1e3`).
    public var intValue: Int? {
        if let exact = Int(self.text) { return exact }
        guard let double = Double(self.text), double == double.rounded(),
            double >= -9.007_199_254_740_992e15, double <= 9.007_199_254_740_992e15
        else { return nil }
        return Int(double)
    }

    /// The value as a `Double` (may lose precision for very long texts).
    public var doubleValue: Double? { Double(self.text) }

    public var description: String { self.text }
}

/// A JSON object: member names are unique (a later duplicate replaces the earlier value, as most
/// parsers do) and keep their first-seen order. Objects past a few members keep a hash index, so
/// building and reading large objects stays linear.
public struct JSONObject: Sendable, Hashable, Sequence, ExpressibleByDictionaryLiteral {
    public private(set) var keys: [String]
    public private(set) var values: [JSONValue]
    /// Key to position, built once an object has more than `indexThreshold` members.
    private var index: [String: Int]?

    private static let indexThreshold = 12

    public init() {
        self.keys = []
        self.values = []
        self.index = nil
    }

    /// Members whose keys the caller guarantees are unique (the parser's output).
    public init(uncheckedUniqueKeys keys: [String], values: [JSONValue]) {
        precondition(keys.count == values.count, "keys and values must pair up")
        self.keys = keys
        self.values = values
        self.index = nil
        self.buildIndexIfLarge()
    }

    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self.init()
        for (key, value) in elements { self[key] = value }
    }

    public init(_ pairs: some Sequence<(String, JSONValue)>) {
        self.init()
        for (key, value) in pairs { self[key] = value }
    }

    public var count: Int { self.keys.count }
    public var isEmpty: Bool { self.keys.isEmpty }

    private func position(of key: String) -> Int? {
        if let index = self.index { return index[key] }
        return self.keys.firstIndex(of: key)
    }

    private mutating func buildIndexIfLarge() {
        guard self.index == nil, self.keys.count > Self.indexThreshold else { return }
        var index: [String: Int] = [:]
        index.reserveCapacity(self.keys.count)
        for (position, key) in self.keys.enumerated() { index[key] = position }
        self.index = index
    }

    /// Reads or writes a member; writing `nil` removes it.
    public subscript(key: String) -> JSONValue? {
        get {
            guard let position = self.position(of: key) else { return nil }
            return self.values[position]
        }
        set {
            if let position = self.position(of: key) {
                if let newValue {
                    self.values[position] = newValue
                } else {
                    self.keys.remove(at: position)
                    self.values.remove(at: position)
                    self.index = nil
                    self.buildIndexIfLarge()
                }
            } else if let newValue {
                self.keys.append(key)
                self.values.append(newValue)
                if self.index != nil {
                    self.index![key] = self.keys.count - 1
                } else {
                    self.buildIndexIfLarge()
                }
            }
        }
    }

    public func makeIterator() -> some IteratorProtocol<(key: String, value: JSONValue)> {
        zip(self.keys, self.values).lazy.map { (key: $0.0, value: $0.1) }.makeIterator()
    }

    /// Objects are equal when they have the same members, in any order (as JSON defines it).
    public static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        guard lhs.count == rhs.count else { return false }
        if lhs.keys == rhs.keys { return lhs.values == rhs.values }
        for (key, value) in zip(lhs.keys, lhs.values) where rhs[key] != value { return false }
        return true
    }

    public func hash(into hasher: inout Hasher) {
        // Order-independent, to agree with `==`.
        var combined = 0
        for (key, value) in zip(self.keys, self.values) {
            var member = Hasher()
            member.combine(key)
            member.combine(value)
            combined ^= member.finalize()
        }
        hasher.combine(self.count)
        hasher.combine(combined)
    }
}

extension JSONValue {
    public var objectValue: JSONObject? {
        if case .object(let object) = self { return object }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let array) = self { return array }
        return nil
    }

    public var stringValue: String? {
        if case .string(let string) = self { return string }
        return nil
    }

    public var boolValue: Bool? {
        if case .bool(let bool) = self { return bool }
        return nil
    }

    public var numberValue: JSONNumber? {
        if case .number(let number) = self { return number }
        return nil
    }

    public var intValue: Int? { self.numberValue?.intValue }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    /// The JSON Schema type name of this value (`integer` is reported as `number`).
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// Reads a member when this is an object.
    public subscript(key: String) -> JSONValue? {
        self.objectValue?[key]
    }

    /// Reads an element when this is an array and the index is in range.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let array) = self, array.indices.contains(index) else { return nil }
        return array[index]
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByIntegerLiteral, ExpressibleByBooleanLiteral,
    ExpressibleByArrayLiteral, ExpressibleByDictionaryLiteral, ExpressibleByNilLiteral, ExpressibleByFloatLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(integerLiteral value: Int) { self = .number(JSONNumber(value)) }
    public init(floatLiteral value: Double) { self = .number(JSONNumber(value)) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(nilLiteral: ()) { self = .null }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(JSONObject(elements))
    }
}
