/// Encodes `Encodable` values straight into a `JSONValue` tree (no trip through text or Foundation).
///
/// Keyed containers keep the order in which keys were first encoded (encoding a key again replaces its
/// value in place); `encodeIfPresent(nil)` leaves the key out, as synthesized conformances expect.
/// Integers are written exactly, `Double` through `JSONNumber(_: Double)`, and `Float` in its own
/// shortest form; a NaN or infinite value is an `EncodingError.invalidValue`. A `JSONValue` or
/// `JSONNumber` property is stored as it is.
public struct JSONValueEncoder: Sendable {
    /// Made available to `encode(to:)` implementations as `encoder.userInfo`.
    public var userInfo: [CodingUserInfoKey: any Sendable] = [:]

    public init() {}

    public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        let encoder = _JSONValueEncoder(codingPath: [], userInfo: self.userInfo)
        return try encoder.box(value, codingPath: []).resolved()
    }
}

// MARK: - Storage

/// A value being built: containers are references so that nested containers handed out earlier keep
/// writing into the right place; `deferred` is an encoder given out by `superEncoder`.
enum _EncodedSlot {
    case value(JSONValue)
    case object(_EncodedObject)
    case array(_EncodedArray)
    case deferred(_JSONValueEncoder)

    func resolved() -> JSONValue {
        switch self {
        case .value(let value): return value
        case .object(let object): return object.resolved()
        case .array(let array): return .array(array.elements.map { $0.resolved() })
        case .deferred(let encoder): return (encoder.storage ?? .object(_EncodedObject())).resolved()
        }
    }
}

final class _EncodedObject {
    private(set) var keys: [String] = []
    private(set) var values: [_EncodedSlot] = []
    /// Key positions, built once the object grows past a few members.
    private var positions: [String: Int]?

    func set(_ key: String, _ value: _EncodedSlot) {
        if let index = self.position(of: key) {
            self.values[index] = value
            return
        }
        if self.positions != nil {
            self.positions![key] = self.keys.count
        } else if self.keys.count == 16 {
            var positions: [String: Int] = [:]
            for (index, existing) in self.keys.enumerated() { positions[existing] = index }
            positions[key] = self.keys.count
            self.positions = positions
        }
        self.keys.append(key)
        self.values.append(value)
    }

    private func position(of key: String) -> Int? {
        if let positions = self.positions { return positions[key] }
        return self.keys.firstIndex(of: key)
    }

    func resolved() -> JSONValue {
        var object = JSONObject()
        for index in self.keys.indices {
            object[self.keys[index]] = self.values[index].resolved()
        }
        return .object(object)
    }
}

final class _EncodedArray {
    var elements: [_EncodedSlot] = []
}

// MARK: - Encoder

final class _JSONValueEncoder: Encoder {
    let codingPath: [any CodingKey]
    let sendableUserInfo: [CodingUserInfoKey: any Sendable]
    var storage: _EncodedSlot?

    init(codingPath: [any CodingKey], userInfo: [CodingUserInfoKey: any Sendable]) {
        self.codingPath = codingPath
        self.sendableUserInfo = userInfo
    }

    var userInfo: [CodingUserInfoKey: Any] { self.sendableUserInfo }

    func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
        let object: _EncodedObject
        switch self.storage {
        case .object(let existing)?:
            object = existing
        case nil:
            object = _EncodedObject()
            self.storage = .object(object)
        default:
            preconditionFailure("A keyed container was requested where another kind of value was already encoded.")
        }
        return KeyedEncodingContainer(
            _JSONKeyedEncodingContainer<Key>(encoder: self, object: object, codingPath: self.codingPath))
    }

    func unkeyedContainer() -> any UnkeyedEncodingContainer {
        let array: _EncodedArray
        switch self.storage {
        case .array(let existing)?:
            array = existing
        case nil:
            array = _EncodedArray()
            self.storage = .array(array)
        default:
            preconditionFailure("An unkeyed container was requested where another kind of value was already encoded.")
        }
        return _JSONUnkeyedEncodingContainer(encoder: self, array: array, codingPath: self.codingPath)
    }

    func singleValueContainer() -> any SingleValueEncodingContainer {
        _JSONSingleValueEncodingContainer(encoder: self)
    }

    func childEncoder(codingPath: [any CodingKey]) -> _JSONValueEncoder {
        _JSONValueEncoder(codingPath: codingPath, userInfo: self.sendableUserInfo)
    }

    // MARK: Boxing

    /// The encoded form of `value`, found at `codingPath`. A value that encodes nothing becomes `{}`.
    func box<T: Encodable>(_ value: T, codingPath: [any CodingKey]) throws -> _EncodedSlot {
        if T.self == JSONValue.self { return .value(value as! JSONValue) }
        if T.self == JSONNumber.self { return .value(.number(value as! JSONNumber)) }
        if T.self == String.self { return .value(.string(value as! String)) }
        if T.self == Int.self { return .value(.number(JSONNumber(value as! Int))) }
        if T.self == Bool.self { return .value(.bool(value as! Bool)) }
        if T.self == Double.self { return .value(try Self.box(value as! Double, codingPath: codingPath)) }
        let encoder = self.childEncoder(codingPath: codingPath)
        try value.encode(to: encoder)
        return encoder.storage ?? .object(_EncodedObject())
    }

    static func box(_ value: Double, codingPath: [any CodingKey]) throws -> JSONValue {
        guard value.isFinite else { throw Self.nonFinite(value, codingPath: codingPath) }
        return .number(JSONNumber(value))
    }

    static func box(_ value: Float, codingPath: [any CodingKey]) throws -> JSONValue {
        guard value.isFinite else { throw Self.nonFinite(value, codingPath: codingPath) }
        if value == value.rounded(), abs(value) < 1e15 {
            return .number(JSONNumber(Int64(value)))
        }
        return .number(JSONNumber(uncheckedText: "\(value)"))
    }

    static func box<T: FixedWidthInteger>(_ value: T) -> JSONValue {
        .number(JSONNumber(uncheckedText: String(value)))
    }

    static func nonFinite(_ value: some Sendable, codingPath: [any CodingKey]) -> EncodingError {
        EncodingError.invalidValue(
            value, EncodingError.Context(codingPath: codingPath, debugDescription: "\(value) is not a valid JSON number."))
    }
}

// MARK: - Keyed container

struct _JSONKeyedEncodingContainer<Key: CodingKey>: KeyedEncodingContainerProtocol {
    let encoder: _JSONValueEncoder
    let object: _EncodedObject
    let codingPath: [any CodingKey]

    private func set(_ value: JSONValue, _ key: Key) { self.object.set(key.stringValue, .value(value)) }

    mutating func encodeNil(forKey key: Key) throws { self.set(.null, key) }
    mutating func encode(_ value: Bool, forKey key: Key) throws { self.set(.bool(value), key) }
    mutating func encode(_ value: String, forKey key: Key) throws { self.set(.string(value), key) }

    mutating func encode(_ value: Double, forKey key: Key) throws {
        self.set(try _JSONValueEncoder.box(value, codingPath: self.codingPath + [key]), key)
    }

    mutating func encode(_ value: Float, forKey key: Key) throws {
        self.set(try _JSONValueEncoder.box(value, codingPath: self.codingPath + [key]), key)
    }

    mutating func encode(_ value: Int, forKey key: Key) throws { self.set(_JSONValueEncoder.box(value), key) }
    mutating func encode(_ value: Int8, forKey key: Key) throws { self.set(_JSONValueEncoder.box(value), key) }
    mutating func encode(_ value: Int16, forKey key: Key) throws { self.set(_JSONValueEncoder.box(value), key) }
    mutating func encode(_ value: Int32, forKey key: Key) throws { self.set(_JSONValueEncoder.box(value), key) }
    mutating func encode(_ value: Int64, forKey key: Key) throws { self.set(_JSONValueEncoder.box(value), key) }
    mutating func encode(_ value: Int128, forKey key: Key) throws { self.set(_JSONValueEncoder.box(value), key) }
    mutating func encode(_ value: UInt, forKey key: Key) throws { self.set(_JSONValueEncoder.box(value), key) }
    mutating func encode(_ value: UInt8, forKey key: Key) throws { self.set(_JSONValueEncoder.box(value), key) }
    mutating func encode(_ value: UInt16, forKey key: Key) throws { self.set(_JSONValueEncoder.box(value), key) }
    mutating func encode(_ value: UInt32, forKey key: Key) throws { self.set(_JSONValueEncoder.box(value), key) }
    mutating func encode(_ value: UInt64, forKey key: Key) throws { self.set(_JSONValueEncoder.box(value), key) }
    mutating func encode(_ value: UInt128, forKey key: Key) throws { self.set(_JSONValueEncoder.box(value), key) }

    mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
        self.object.set(key.stringValue, try self.encoder.box(value, codingPath: self.codingPath + [key]))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type, forKey key: Key
    ) -> KeyedEncodingContainer<NestedKey> {
        let nested = _EncodedObject()
        self.object.set(key.stringValue, .object(nested))
        return KeyedEncodingContainer(
            _JSONKeyedEncodingContainer<NestedKey>(
                encoder: self.encoder, object: nested, codingPath: self.codingPath + [key]))
    }

    mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
        let nested = _EncodedArray()
        self.object.set(key.stringValue, .array(nested))
        return _JSONUnkeyedEncodingContainer(encoder: self.encoder, array: nested, codingPath: self.codingPath + [key])
    }

    mutating func superEncoder() -> any Encoder { self.superEncoder(for: _JSONCodingKey.super) }

    mutating func superEncoder(forKey key: Key) -> any Encoder { self.superEncoder(for: key) }

    private func superEncoder(for key: any CodingKey) -> any Encoder {
        let encoder = self.encoder.childEncoder(codingPath: self.codingPath + [key])
        self.object.set(key.stringValue, .deferred(encoder))
        return encoder
    }
}

// MARK: - Unkeyed container

struct _JSONUnkeyedEncodingContainer: UnkeyedEncodingContainer {
    let encoder: _JSONValueEncoder
    let array: _EncodedArray
    let codingPath: [any CodingKey]

    var count: Int { self.array.elements.count }

    private var nextPath: [any CodingKey] { self.codingPath + [_JSONCodingKey(intValue: self.count)] }

    private func append(_ value: JSONValue) { self.array.elements.append(.value(value)) }

    mutating func encodeNil() throws { self.append(.null) }
    mutating func encode(_ value: Bool) throws { self.append(.bool(value)) }
    mutating func encode(_ value: String) throws { self.append(.string(value)) }
    mutating func encode(_ value: Double) throws { self.append(try _JSONValueEncoder.box(value, codingPath: self.nextPath)) }
    mutating func encode(_ value: Float) throws { self.append(try _JSONValueEncoder.box(value, codingPath: self.nextPath)) }
    mutating func encode(_ value: Int) throws { self.append(_JSONValueEncoder.box(value)) }
    mutating func encode(_ value: Int8) throws { self.append(_JSONValueEncoder.box(value)) }
    mutating func encode(_ value: Int16) throws { self.append(_JSONValueEncoder.box(value)) }
    mutating func encode(_ value: Int32) throws { self.append(_JSONValueEncoder.box(value)) }
    mutating func encode(_ value: Int64) throws { self.append(_JSONValueEncoder.box(value)) }
    mutating func encode(_ value: Int128) throws { self.append(_JSONValueEncoder.box(value)) }
    mutating func encode(_ value: UInt) throws { self.append(_JSONValueEncoder.box(value)) }
    mutating func encode(_ value: UInt8) throws { self.append(_JSONValueEncoder.box(value)) }
    mutating func encode(_ value: UInt16) throws { self.append(_JSONValueEncoder.box(value)) }
    mutating func encode(_ value: UInt32) throws { self.append(_JSONValueEncoder.box(value)) }
    mutating func encode(_ value: UInt64) throws { self.append(_JSONValueEncoder.box(value)) }
    mutating func encode(_ value: UInt128) throws { self.append(_JSONValueEncoder.box(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        self.array.elements.append(try self.encoder.box(value, codingPath: self.nextPath))
    }

    mutating func nestedContainer<NestedKey: CodingKey>(
        keyedBy keyType: NestedKey.Type
    ) -> KeyedEncodingContainer<NestedKey> {
        let path = self.nextPath
        let nested = _EncodedObject()
        self.array.elements.append(.object(nested))
        return KeyedEncodingContainer(
            _JSONKeyedEncodingContainer<NestedKey>(encoder: self.encoder, object: nested, codingPath: path))
    }

    mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
        let path = self.nextPath
        let nested = _EncodedArray()
        self.array.elements.append(.array(nested))
        return _JSONUnkeyedEncodingContainer(encoder: self.encoder, array: nested, codingPath: path)
    }

    mutating func superEncoder() -> any Encoder {
        let encoder = self.encoder.childEncoder(codingPath: self.nextPath)
        self.array.elements.append(.deferred(encoder))
        return encoder
    }
}

// MARK: - Single value container

struct _JSONSingleValueEncodingContainer: SingleValueEncodingContainer {
    let encoder: _JSONValueEncoder

    var codingPath: [any CodingKey] { self.encoder.codingPath }

    private func store(_ value: JSONValue) { self.encoder.storage = .value(value) }

    mutating func encodeNil() throws { self.store(.null) }
    mutating func encode(_ value: Bool) throws { self.store(.bool(value)) }
    mutating func encode(_ value: String) throws { self.store(.string(value)) }
    mutating func encode(_ value: Double) throws { self.store(try _JSONValueEncoder.box(value, codingPath: self.codingPath)) }
    mutating func encode(_ value: Float) throws { self.store(try _JSONValueEncoder.box(value, codingPath: self.codingPath)) }
    mutating func encode(_ value: Int) throws { self.store(_JSONValueEncoder.box(value)) }
    mutating func encode(_ value: Int8) throws { self.store(_JSONValueEncoder.box(value)) }
    mutating func encode(_ value: Int16) throws { self.store(_JSONValueEncoder.box(value)) }
    mutating func encode(_ value: Int32) throws { self.store(_JSONValueEncoder.box(value)) }
    mutating func encode(_ value: Int64) throws { self.store(_JSONValueEncoder.box(value)) }
    mutating func encode(_ value: Int128) throws { self.store(_JSONValueEncoder.box(value)) }
    mutating func encode(_ value: UInt) throws { self.store(_JSONValueEncoder.box(value)) }
    mutating func encode(_ value: UInt8) throws { self.store(_JSONValueEncoder.box(value)) }
    mutating func encode(_ value: UInt16) throws { self.store(_JSONValueEncoder.box(value)) }
    mutating func encode(_ value: UInt32) throws { self.store(_JSONValueEncoder.box(value)) }
    mutating func encode(_ value: UInt64) throws { self.store(_JSONValueEncoder.box(value)) }
    mutating func encode(_ value: UInt128) throws { self.store(_JSONValueEncoder.box(value)) }

    mutating func encode<T: Encodable>(_ value: T) throws {
        self.encoder.storage = try self.encoder.box(value, codingPath: self.codingPath)
    }
}

// MARK: - JSONValue and JSONNumber as Encodable

extension JSONValue: Encodable {
    /// Into a `JSONValueEncoder` the value goes as is. Other encoders get their own primitives
    /// (numbers as `Int64`, `UInt64` or `Double`, whichever holds the text exactly, else `Double`).
    public func encode(to encoder: any Encoder) throws {
        if let encoder = encoder as? _JSONValueEncoder {
            encoder.storage = .value(self)
            return
        }
        switch self {
        case .null:
            var container = encoder.singleValueContainer()
            try container.encodeNil()
        case .bool(let bool):
            var container = encoder.singleValueContainer()
            try container.encode(bool)
        case .number(let number):
            try number.encode(to: encoder)
        case .string(let string):
            var container = encoder.singleValueContainer()
            try container.encode(string)
        case .array(let elements):
            var container = encoder.unkeyedContainer()
            for element in elements { try container.encode(element) }
        case .object(let object):
            var container = encoder.container(keyedBy: _JSONCodingKey.self)
            for (key, value) in object { try container.encode(value, forKey: _JSONCodingKey(stringValue: key)) }
        }
    }
}

extension JSONNumber: Encodable {
    public func encode(to encoder: any Encoder) throws {
        if let encoder = encoder as? _JSONValueEncoder {
            encoder.storage = .value(.number(self))
            return
        }
        var container = encoder.singleValueContainer()
        if let integer = Int64(self.text) {
            try container.encode(integer)
        } else if let integer = UInt64(self.text) {
            try container.encode(integer)
        } else if let double = Double(self.text), double.isFinite {
            try container.encode(double)
        } else {
            throw EncodingError.invalidValue(
                self,
                EncodingError.Context(
                    codingPath: encoder.codingPath, debugDescription: "\(self.text) is not a finite JSON number."))
        }
    }
}
