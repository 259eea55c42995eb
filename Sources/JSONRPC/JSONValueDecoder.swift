/// Decodes `Decodable` types straight from a `JSONValue` tree (no trip through text or Foundation).
///
/// Integers are read exactly from the number's text, with range checks (`1.0` and `1e3` are accepted
/// as integers, `1.5` and `300` for `UInt8` are not); `Double`/`Float` must be finite. `Bool` and `String`
/// are never converted from other JSON types. A `JSONValue` or `JSONNumber` property receives the value
/// as it is. Errors are the standard `DecodingError`s with the coding path of the offending value.
public struct JSONValueDecoder: Sendable {
    /// Made available to `init(from:)` implementations as `decoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    public init() {}

    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        let decoder = _JSONValueDecoder(value: value, codingPath: [], userInfo: self.userInfo)
        return try decoder.unbox(value, as: T.self, codingPath: [])
    }
}

// MARK: - Coding keys

/// A coding key made from a string or an array index (used for coding paths and `super`).
struct _JSONCodingKey: CodingKey {
    let stringValue: String
    let intValue: Int?

    init(stringValue: String) {
        self.stringValue = stringValue
        self.intValue = nil
    }

    init(intValue: Int) {
        self.stringValue = "Index \(intValue)"
        self.intValue = intValue
    }

    static let `super` = _JSONCodingKey(stringValue: "super")
}

// MARK: - Decoder

final class _JSONValueDecoder: Decoder {
    let value: JSONValue
    let codingPath: [any CodingKey]
    let sendableUserInfo: [CodingUserInfoKey: any Sendable]

    init(value: JSONValue, codingPath: [any CodingKey], userInfo: [CodingUserInfoKey: any Sendable]) {
        self.value = value
        self.codingPath = codingPath
        self.sendableUserInfo = userInfo
    }

    var userInfo: [CodingUserInfoKey: Any] { self.sendableUserInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
        guard case .object(let object) = self.value else {
            throw Self.typeMismatch(JSONObject.self, expected: "an object", found: self.value, codingPath: self.codingPath)
        }
        return KeyedDecodingContainer(_JSONKeyedDecodingContainer<Key>(decoder: self, object: object))
    }

    func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
        guard case .array(let elements) = self.value else {
            throw Self.typeMismatch([JSONValue].self, expected: "an array", found: self.value, codingPath: self.codingPath)
        }
        return _JSONUnkeyedDecodingContainer(decoder: self, elements: elements)
    }

    func singleValueContainer() throws -> any SingleValueDecodingContainer {
        _JSONSingleValueDecodingContainer(decoder: self)
    }

    // MARK: Unboxing

    /// Decodes `T` from `value`, found at `codingPath`.
    func unbox<T: Decodable>(_ value: JSONValue, as type: T.Type, codingPath: [any CodingKey]) throws -> T {
        if T.self == JSONValue.self {
            return value as! T
        }
        if T.self == JSONNumber.self {
            return try self.unboxNumber(value, as: JSONNumber.self, codingPath: codingPath) as! T
        }
        // Common leaf types (array elements, dictionary values) skip allocating a nested decoder.
        if T.self == String.self { return try self.unboxString(value, codingPath: codingPath) as! T }
        if T.self == Int.self { return try self.unboxInteger(value, as: Int.self, codingPath: codingPath) as! T }
        if T.self == Bool.self { return try self.unboxBool(value, codingPath: codingPath) as! T }
        if T.self == Double.self { return try self.unboxDouble(value, codingPath: codingPath) as! T }
        let decoder = _JSONValueDecoder(value: value, codingPath: codingPath, userInfo: self.sendableUserInfo)
        return try T(from: decoder)
    }

    func unboxNumber<T>(_ value: JSONValue, as type: T.Type, codingPath: [any CodingKey]) throws -> JSONNumber {
        guard case .number(let number) = value else {
            throw Self.typeMismatch(T.self, expected: "a number", found: value, codingPath: codingPath)
        }
        return number
    }

    func unboxBool(_ value: JSONValue, codingPath: [any CodingKey]) throws -> Bool {
        guard case .bool(let bool) = value else {
            throw Self.typeMismatch(Bool.self, expected: "a boolean", found: value, codingPath: codingPath)
        }
        return bool
    }

    func unboxString(_ value: JSONValue, codingPath: [any CodingKey]) throws -> String {
        guard case .string(let string) = value else {
            throw Self.typeMismatch(String.self, expected: "a string", found: value, codingPath: codingPath)
        }
        return string
    }

    func unboxInteger<T: FixedWidthInteger>(_ value: JSONValue, as type: T.Type, codingPath: [any CodingKey]) throws -> T {
        let number = try self.unboxNumber(value, as: T.self, codingPath: codingPath)
        guard let integer = JSONNumber.exactInteger(number.text, as: T.self) else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: codingPath,
                    debugDescription: "The JSON number \(number.text) does not fit in \(T.self)."))
        }
        return integer
    }

    func unboxDouble(_ value: JSONValue, codingPath: [any CodingKey]) throws -> Double {
        let number = try self.unboxNumber(value, as: Double.self, codingPath: codingPath)
        guard let double = Double(number.text), double.isFinite else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: codingPath, debugDescription: "The JSON number \(number.text) does not fit in Double."))
        }
        return double
    }

    func unboxFloat(_ value: JSONValue, codingPath: [any CodingKey]) throws -> Float {
        let number = try self.unboxNumber(value, as: Float.self, codingPath: codingPath)
        guard let float = Float(number.text), float.isFinite else {
            throw DecodingError.dataCorrupted(
                DecodingError.Context(
                    codingPath: codingPath, debugDescription: "The JSON number \(number.text) does not fit in Float."))
        }
        return float
    }

    static func typeMismatch(
        _ type: Any.Type, expected: String, found value: JSONValue, codingPath: [any CodingKey]
    ) -> DecodingError {
        if value.isNull {
            return DecodingError.valueNotFound(
                type,
                DecodingError.Context(
                    codingPath: codingPath, debugDescription: "Expected \(expected) (\(type)) but found null instead."))
        }
        return DecodingError.typeMismatch(
            type,
            DecodingError.Context(
                codingPath: codingPath,
                debugDescription: "Expected \(expected) (\(type)) but found \(Self.describe(value)) instead."))
    }

    static func describe(_ value: JSONValue) -> String {
        switch value {
        case .null: "null"
        case .bool: "a boolean"
        case .number: "a number"
        case .string: "a string"
        case .array: "an array"
        case .object: "an object"
        }
    }
}

// MARK: - Keyed container

struct _JSONKeyedDecodingContainer<Key: CodingKey>: KeyedDecodingContainerProtocol {
    let decoder: _JSONValueDecoder
    let object: JSONObject
    /// Built only for larger objects; small ones are searched linearly.
    let index: [String: Int]?

    init(decoder: _JSONValueDecoder, object: JSONObject) {
        self.decoder = decoder
        self.object = object
        if object.count > 16 {
            var index: [String: Int] = [:]
            index.reserveCapacity(object.count)
            for (offset, key) in object.keys.enumerated() { index[key] = offset }
            self.index = index
        } else {
            self.index = nil
        }
    }

    var codingPath: [any CodingKey] { self.decoder.codingPath }

    var allKeys: [Key] { self.object.keys.compactMap { Key(stringValue: $0) } }

    func contains(_ key: Key) -> Bool { self.lookup(key.stringValue) != nil }

    private func lookup(_ name: String) -> JSONValue? {
        if let index = self.index {
            return index[name].map { self.object.values[$0] }
        }
        return self.object[name]
    }

    private func value(for key: Key) throws -> JSONValue {
        guard let value = self.lookup(key.stringValue) else {
            throw DecodingError.keyNotFound(
                key,
                DecodingError.Context(
                    codingPath: self.codingPath,
                    debugDescription: "No value associated with key \"\(key.stringValue)\"."))
        }
        return value
    }

    private func path(_ key: Key) -> [any CodingKey] { self.codingPath + [key] }

    func decodeNil(forKey key: Key) throws -> Bool { try self.value(for: key).isNull }

    func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool {
        try self.decoder.unboxBool(self.value(for: key), codingPath: self.path(key))
    }

    func decode(_ type: String.Type, forKey key: Key) throws -> String {
        try self.decoder.unboxString(self.value(for: key), codingPath: self.path(key))
    }

    func decode(_ type: Double.Type, forKey key: Key) throws -> Double {
        try self.decoder.unboxDouble(self.value(for: key), codingPath: self.path(key))
    }

    func decode(_ type: Float.Type, forKey key: Key) throws -> Float {
        try self.decoder.unboxFloat(self.value(for: key), codingPath: self.path(key))
    }

    func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try self.integer(key) }
    func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try self.integer(key) }
    func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try self.integer(key) }
    func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try self.integer(key) }
    func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try self.integer(key) }
    func decode(_ type: Int128.Type, forKey key: Key) throws -> Int128 { try self.integer(key) }
    func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try self.integer(key) }
    func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try self.integer(key) }
    func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try self.integer(key) }
    func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try self.integer(key) }
    func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try self.integer(key) }
    func decode(_ type: UInt128.Type, forKey key: Key) throws -> UInt128 { try self.integer(key) }

    private func integer<T: FixedWidthInteger>(_ key: Key) throws -> T {
        try self.decoder.unboxInteger(self.value(for: key), as: T.self, codingPath: self.path(key))
    }

    func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
        try self.decoder.unbox(self.value(for: key), as: T.self, codingPath: self.path(key))
    }

    func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type, forKey key: Key
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try self.childDecoder(self.value(for: key), key: key).container(keyedBy: NestedKey.self)
    }

    func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
        try self.childDecoder(self.value(for: key), key: key).unkeyedContainer()
    }

    func superDecoder() throws -> any Decoder {
        self.childDecoder(self.lookup(_JSONCodingKey.super.stringValue) ?? .null, key: _JSONCodingKey.super)
    }

    func superDecoder(forKey key: Key) throws -> any Decoder {
        self.childDecoder(self.lookup(key.stringValue) ?? .null, key: key)
    }

    private func childDecoder(_ value: JSONValue, key: any CodingKey) -> _JSONValueDecoder {
        _JSONValueDecoder(value: value, codingPath: self.codingPath + [key], userInfo: self.decoder.sendableUserInfo)
    }
}

// MARK: - Unkeyed container

struct _JSONUnkeyedDecodingContainer: UnkeyedDecodingContainer {
    let decoder: _JSONValueDecoder
    let elements: [JSONValue]
    private(set) var currentIndex = 0

    init(decoder: _JSONValueDecoder, elements: [JSONValue]) {
        self.decoder = decoder
        self.elements = elements
    }

    var codingPath: [any CodingKey] { self.decoder.codingPath }
    var count: Int? { self.elements.count }
    var isAtEnd: Bool { self.currentIndex >= self.elements.count }

    private var currentPath: [any CodingKey] { self.codingPath + [_JSONCodingKey(intValue: self.currentIndex)] }

    /// The element at `currentIndex` (without advancing), or `valueNotFound` at the end.
    private func current(_ type: Any.Type) throws -> JSONValue {
        guard !self.isAtEnd else {
            throw DecodingError.valueNotFound(
                type,
                DecodingError.Context(codingPath: self.currentPath, debugDescription: "Unkeyed container is at end."))
        }
        return self.elements[self.currentIndex]
    }

    /// Decodes the current element with `body` and advances only when that succeeded.
    private mutating func next<T>(
        _ type: T.Type, _ body: (_JSONValueDecoder, JSONValue, [any CodingKey]) throws -> T
    ) throws -> T {
        let result = try body(self.decoder, self.current(T.self), self.currentPath)
        self.currentIndex += 1
        return result
    }

    mutating func decodeNil() throws -> Bool {
        guard try self.current(Any?.self).isNull else { return false }
        self.currentIndex += 1
        return true
    }

    mutating func decode(_ type: Bool.Type) throws -> Bool {
        try self.next(Bool.self) { try $0.unboxBool($1, codingPath: $2) }
    }

    mutating func decode(_ type: String.Type) throws -> String {
        try self.next(String.self) { try $0.unboxString($1, codingPath: $2) }
    }

    mutating func decode(_ type: Double.Type) throws -> Double {
        try self.next(Double.self) { try $0.unboxDouble($1, codingPath: $2) }
    }

    mutating func decode(_ type: Float.Type) throws -> Float {
        try self.next(Float.self) { try $0.unboxFloat($1, codingPath: $2) }
    }

    mutating func decode(_ type: Int.Type) throws -> Int { try self.integer() }
    mutating func decode(_ type: Int8.Type) throws -> Int8 { try self.integer() }
    mutating func decode(_ type: Int16.Type) throws -> Int16 { try self.integer() }
    mutating func decode(_ type: Int32.Type) throws -> Int32 { try self.integer() }
    mutating func decode(_ type: Int64.Type) throws -> Int64 { try self.integer() }
    mutating func decode(_ type: Int128.Type) throws -> Int128 { try self.integer() }
    mutating func decode(_ type: UInt.Type) throws -> UInt { try self.integer() }
    mutating func decode(_ type: UInt8.Type) throws -> UInt8 { try self.integer() }
    mutating func decode(_ type: UInt16.Type) throws -> UInt16 { try self.integer() }
    mutating func decode(_ type: UInt32.Type) throws -> UInt32 { try self.integer() }
    mutating func decode(_ type: UInt64.Type) throws -> UInt64 { try self.integer() }
    mutating func decode(_ type: UInt128.Type) throws -> UInt128 { try self.integer() }

    private mutating func integer<T: FixedWidthInteger>() throws -> T {
        try self.next(T.self) { try $0.unboxInteger($1, as: T.self, codingPath: $2) }
    }

    mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try self.next(T.self) { try $0.unbox($1, as: T.self, codingPath: $2) }
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy type: NestedKey.Type
    ) throws -> KeyedDecodingContainer<NestedKey> {
        try self.next(KeyedDecodingContainer<NestedKey>.self) {
            try Self.childDecoder($0, $1, $2).container(keyedBy: NestedKey.self)
        }
    }

    mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
        try self.next((any UnkeyedDecodingContainer).self) { try Self.childDecoder($0, $1, $2).unkeyedContainer() }
    }

    mutating func superDecoder() throws -> any Decoder {
        try self.next((any Decoder).self) { Self.childDecoder($0, $1, $2) }
    }

    private static func childDecoder(
        _ decoder: _JSONValueDecoder, _ value: JSONValue, _ path: [any CodingKey]
    ) -> _JSONValueDecoder {
        _JSONValueDecoder(value: value, codingPath: path, userInfo: decoder.sendableUserInfo)
    }
}

// MARK: - Single value container

struct _JSONSingleValueDecodingContainer: SingleValueDecodingContainer {
    let decoder: _JSONValueDecoder

    var codingPath: [any CodingKey] { self.decoder.codingPath }
    private var value: JSONValue { self.decoder.value }

    func decodeNil() -> Bool { self.value.isNull }

    func decode(_ type: Bool.Type) throws -> Bool { try self.decoder.unboxBool(self.value, codingPath: self.codingPath) }

    func decode(_ type: String.Type) throws -> String {
        try self.decoder.unboxString(self.value, codingPath: self.codingPath)
    }

    func decode(_ type: Double.Type) throws -> Double {
        try self.decoder.unboxDouble(self.value, codingPath: self.codingPath)
    }

    func decode(_ type: Float.Type) throws -> Float {
        try self.decoder.unboxFloat(self.value, codingPath: self.codingPath)
    }

    func decode(_ type: Int.Type) throws -> Int { try self.integer() }
    func decode(_ type: Int8.Type) throws -> Int8 { try self.integer() }
    func decode(_ type: Int16.Type) throws -> Int16 { try self.integer() }
    func decode(_ type: Int32.Type) throws -> Int32 { try self.integer() }
    func decode(_ type: Int64.Type) throws -> Int64 { try self.integer() }
    func decode(_ type: Int128.Type) throws -> Int128 { try self.integer() }
    func decode(_ type: UInt.Type) throws -> UInt { try self.integer() }
    func decode(_ type: UInt8.Type) throws -> UInt8 { try self.integer() }
    func decode(_ type: UInt16.Type) throws -> UInt16 { try self.integer() }
    func decode(_ type: UInt32.Type) throws -> UInt32 { try self.integer() }
    func decode(_ type: UInt64.Type) throws -> UInt64 { try self.integer() }
    func decode(_ type: UInt128.Type) throws -> UInt128 { try self.integer() }

    private func integer<T: FixedWidthInteger>() throws -> T {
        try self.decoder.unboxInteger(self.value, as: T.self, codingPath: self.codingPath)
    }

    func decode<T: Decodable>(_ type: T.Type) throws -> T {
        try self.decoder.unbox(self.value, as: T.self, codingPath: self.codingPath)
    }
}

// MARK: - Exact integers from number text

extension JSONNumber {
    /// The number as a `T` when its text denotes an integer that `T` can hold exactly
    /// (`12`, `-0`, `1.0`, `1.5e1`, `1E+2`); nil for fractions and out-of-range values.
    static func exactInteger<T: FixedWidthInteger>(_ text: String, as type: T.Type) -> T? {
        if let plain = T(text, radix: 10) { return plain }
        var utf8 = text.utf8[...]
        let negative = utf8.first == UInt8(ascii: "-")
        if negative { utf8 = utf8.dropFirst() }
        var digits: [UInt8] = []
        var fractionDigits = 0
        var exponent = 0
        var seenDot = false
        while let byte = utf8.popFirst() {
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"):
                digits.append(byte - UInt8(ascii: "0"))
                if seenDot { fractionDigits += 1 }
            case UInt8(ascii: "."):
                guard !seenDot else { return nil }
                seenDot = true
            case UInt8(ascii: "e"), UInt8(ascii: "E"):
                var exponentNegative = false
                if let sign = utf8.first, sign == UInt8(ascii: "+") || sign == UInt8(ascii: "-") {
                    exponentNegative = sign == UInt8(ascii: "-")
                    utf8 = utf8.dropFirst()
                }
                guard !utf8.isEmpty else { return nil }
                for digit in utf8 {
                    guard digit >= UInt8(ascii: "0"), digit <= UInt8(ascii: "9") else { return nil }
                    // Past a million the answer no longer depends on the exact exponent.
                    exponent = min(exponent * 10 + Int(digit - UInt8(ascii: "0")), 1_000_000)
                }
                if exponentNegative { exponent = -exponent }
                utf8 = utf8[utf8.endIndex...]
            default:
                return nil
            }
        }
        // Drop leading zeros, then move trailing zeros into the exponent.
        var significant = digits.drop { $0 == 0 }
        guard !significant.isEmpty else { return 0 }
        var scale = exponent - fractionDigits
        while significant.last == 0 {
            significant = significant.dropLast()
            scale += 1
        }
        guard scale >= 0, significant.count + scale <= 40 else { return nil }
        var result: T = 0
        for digit in significant + repeatElement(0, count: scale) {
            let (shifted, overflow1) = result.multipliedReportingOverflow(by: 10)
            let (next, overflow2) =
                negative
                ? shifted.subtractingReportingOverflow(T(digit)) : shifted.addingReportingOverflow(T(digit))
            guard !overflow1, !overflow2 else { return nil }
            result = next
        }
        return result
    }
}

// MARK: - JSONValue and JSONNumber as Decodable

extension JSONValue: Decodable {
    /// From a `JSONValueDecoder` the value is taken as is. From other decoders it is rebuilt from what
    /// they offer (numbers as `Int64`, `UInt64` or `Double`; member order as their `allKeys`).
    public init(from decoder: any Decoder) throws {
        if let decoder = decoder as? _JSONValueDecoder {
            self = decoder.value
            return
        }
        if let container = try? decoder.container(keyedBy: _JSONCodingKey.self) {
            var object = JSONObject()
            for key in container.allKeys {
                object[key.stringValue] = try container.decode(JSONValue.self, forKey: key)
            }
            self = .object(object)
            return
        }
        if var container = try? decoder.unkeyedContainer() {
            var elements: [JSONValue] = []
            if let count = container.count { elements.reserveCapacity(count) }
            while !container.isAtEnd {
                elements.append(try container.decode(JSONValue.self))
            }
            self = .array(elements)
            return
        }
        let container = try decoder.singleValueContainer()
        if container.decodeNil() {
            self = .null
        } else if let bool = try? container.decode(Bool.self) {
            self = .bool(bool)
        } else if let string = try? container.decode(String.self) {
            self = .string(string)
        } else {
            self = .number(try JSONNumber(from: decoder))
        }
    }
}

extension JSONNumber: Decodable {
    public init(from decoder: any Decoder) throws {
        if let decoder = decoder as? _JSONValueDecoder {
            self = try decoder.unboxNumber(decoder.value, as: JSONNumber.self, codingPath: decoder.codingPath)
            return
        }
        let container = try decoder.singleValueContainer()
        if let integer = try? container.decode(Int64.self) {
            self.init(integer)
        } else if let integer = try? container.decode(UInt64.self) {
            self.init(uncheckedText: String(integer))
        } else {
            let double = try container.decode(Double.self)
            guard double.isFinite else {
                throw DecodingError.dataCorrupted(
                    DecodingError.Context(
                        codingPath: decoder.codingPath, debugDescription: "\(double) is not a valid JSON number."))
            }
            self.init(double)
        }
    }
}
