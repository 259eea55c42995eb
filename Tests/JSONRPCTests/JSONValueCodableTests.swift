import Foundation
import Testing

@testable import JSONRPC

// MARK: - Fixtures

private enum Status: String, Codable, Equatable {
    case draft, published
}

private enum Shape: Codable, Equatable {
    case circle(radius: Double)
    case square(Int)
    case point
}

private struct Line: Codable, Equatable {
    var sku: String
    var quantity: Int
    var unitPrice: Double
}

private struct Order: Codable, Equatable {
    var id: Int64
    var title: String
    var status: Status
    var note: String?
    var tags: [String]
    var lines: [Line]
    var shape: Shape
    var counts: [String: Int]
    var flag: Bool?
    var tiny: UInt8
    var huge: UInt64
    var ratio: Float
    var nested: [[Int?]]
    var extra: JSONValue?
}

private let order = Order(
    id: 1_152_921_504_606_846_976, title: "Crème \"brûlée\"\n", status: .published, note: nil,
    tags: ["a", "b"],
    lines: [Line(sku: "X-1", quantity: 2, unitPrice: 9.99), Line(sku: "Y-2", quantity: 1, unitPrice: 100)],
    shape: .circle(radius: 1.5), counts: ["only": 1], flag: true, tiny: 255, huge: .max, ratio: 0.1,
    nested: [[1, nil], []], extra: ["raw": .number(JSONNumber(uncheckedText: "1.0"))])

private func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
    try JSONValueDecoder().decode(T.self, from: JSONParser.parse(text))
}

private func path(_ error: any Error) -> [String] {
    let context: DecodingError.Context? =
        switch error as? DecodingError {
        case .typeMismatch(_, let context), .valueNotFound(_, let context), .keyNotFound(_, let context),
            .dataCorrupted(let context):
            context
        default: nil
        }
    return context?.codingPath.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue } ?? ["<not a DecodingError>"]
}

// MARK: - Round trips

@Test func nestedStructWithOptionalsArraysAndEnumsSurvivesRoundTrip() throws {
    let value = try JSONValueEncoder().encode(order)
    #expect(try JSONValueDecoder().decode(Order.self, from: value) == order)
    let reparsed = try JSONParser.parse(JSONWriter.bytes(value))
    #expect(try JSONValueDecoder().decode(Order.self, from: reparsed) == order)
}

@Test func encodedKeysFollowEncodingOrderAndNilOptionalsAreLeftOut() throws {
    let value = try JSONValueEncoder().encode(order)
    #expect(
        value.objectValue?.keys == [
            "id", "title", "status", "tags", "lines", "shape", "counts", "flag", "tiny", "huge", "ratio", "nested",
            "extra",
        ])
    #expect(
        JSONWriter.string(try #require(value["lines"]))
            == #"[{"sku":"X-1","quantity":2,"unitPrice":9.99},{"sku":"Y-2","quantity":1,"unitPrice":100}]"#)
    #expect(JSONWriter.string(try #require(value["shape"])) == #"{"circle":{"radius":1.5}}"#)
    #expect(JSONWriter.string(try #require(value["nested"])) == "[[1,null],[]]")
}

@Test func numbersAreEncodedExactly() throws {
    let value = try JSONValueEncoder().encode(order)
    #expect(value["id"] == .number(JSONNumber(uncheckedText: "1152921504606846976")))
    #expect(value["huge"] == .number(JSONNumber(uncheckedText: "18446744073709551615")))
    #expect(value["ratio"] == .number(JSONNumber(uncheckedText: "0.1")))
    #expect(try JSONValueEncoder().encode(Int.min) == .number(JSONNumber(uncheckedText: "-9223372036854775808")))
    #expect(try JSONValueEncoder().encode(Int128.max) == .number(JSONNumber(uncheckedText: String(Int128.max))))
    #expect(try JSONValueEncoder().encode(1.0) == .number(JSONNumber(1.0)))
    #expect(try JSONValueEncoder().encode(0.1) == .number(JSONNumber(uncheckedText: "0.1")))
    #expect(try JSONValueEncoder().encode([2.5, -0.0, 1e300]) == .array([.number(JSONNumber(2.5)), .number(JSONNumber(-0.0)), .number(JSONNumber(1e300))]))
}

@Test func jsonValuePropertiesKeepTheirNumberText() throws {
    struct Envelope: Codable, Equatable {
        var id: JSONValue
        var count: JSONNumber
    }
    let value = try JSONParser.parse(#"{"id":1.0,"count":1e3}"#)
    let envelope = try JSONValueDecoder().decode(Envelope.self, from: value)
    #expect(envelope.count.text == "1e3")
    #expect(envelope.id == .number(JSONNumber(uncheckedText: "1.0")))
    #expect(JSONWriter.string(try JSONValueEncoder().encode(envelope)) == #"{"id":1.0,"count":1e3}"#)
    #expect(throws: DecodingError.self) { try decode(Envelope.self, #"{"id":1,"count":"1"}"#) }
}

@Test func topLevelValuesOfEveryShapeRoundTrip() throws {
    let encoder = JSONValueEncoder()
    let decoder = JSONValueDecoder()
    #expect(try decoder.decode(String.self, from: encoder.encode("s")) == "s")
    #expect(try decoder.decode([Int].self, from: encoder.encode([1, 2])) == [1, 2])
    #expect(try decoder.decode(Int?.self, from: encoder.encode(Int?.none)) == nil)
    #expect(try encoder.encode(Int?.none) == .null)
    #expect(try decoder.decode([String: [Bool]].self, from: encoder.encode(["a": [true]])) == ["a": [true]])
    #expect(try decoder.decode(Status.self, from: "draft") == .draft)
}

// MARK: - Optionals

@Test func missingAndNullOptionalsDecodeAsNil() throws {
    struct Maybe: Decodable {
        var a: Int?
        var b: String?
        var c: [Int]?
    }
    let decoded = try decode(Maybe.self, #"{"b":null,"c":[1]}"#)
    #expect(decoded.a == nil)
    #expect(decoded.b == nil)
    #expect(decoded.c == [1])
}

@Test func explicitNilIsEncodedAsNull() throws {
    struct Explicit: Encodable {
        var value: Int?
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: CodingKeys.self)
            try container.encode(self.value, forKey: .value)
        }
        enum CodingKeys: CodingKey { case value }
    }
    #expect(try JSONValueEncoder().encode(Explicit(value: nil)) == ["value": nil])
}

// MARK: - Integers and floating point from number text

@Test(arguments: ["1.0", "1e3", "1E+2", "1.5e1", "-0", "0.0e5", "12300e-2", "10000000000000000000e-19"])
func integersAcceptEveryNotationOfAWholeNumber(text: String) throws {
    let expected = Int(try #require(Double(text)))
    #expect(try decode(Int.self, text) == expected)
}

@Test func integersAreDecodedExactlyAtTheirLimits() throws {
    #expect(try decode(Int64.self, "9223372036854775807") == .max)
    #expect(try decode(Int64.self, "-9223372036854775808") == .min)
    #expect(try decode(Int64.self, "-9.223372036854775808e18") == .min)
    #expect(try decode(UInt64.self, "18446744073709551615") == .max)
    #expect(try decode(Int.self, "1152921504606846976") == 1_152_921_504_606_846_976)
    #expect(try decode(Int.self, "9007199254740993") == 9_007_199_254_740_993)
    #expect(try decode(Int8.self, "-128") == -128)
    #expect(try decode(UInt8.self, "2.55e2") == 255)
    #expect(try decode(UInt128.self, "340282366920938463463374607431768211455") == .max)
    #expect(try decode(Int128.self, "-1e38") == -100_000_000_000_000_000_000_000_000_000_000_000_000)
    #expect(try decode(UInt32.self, "0e999999999999999999") == 0)
}

@Test(arguments: [
    ("1.5", "Int"), ("256", "UInt8"), ("-1", "UInt"), ("128", "Int8"), ("9223372036854775808", "Int64"),
    ("1e19", "Int64"), ("1e-1", "Int"), ("1e999999999999", "Int"), ("18446744073709551616", "UInt64"),
])
func integersOutOfRangeOrFractionalAreDataCorrupted(text: String, type: String) {
    let decodeAs: [String: (JSONValue) throws -> Void] = [
        "Int": { _ = try JSONValueDecoder().decode(Int.self, from: $0) },
        "Int8": { _ = try JSONValueDecoder().decode(Int8.self, from: $0) },
        "Int64": { _ = try JSONValueDecoder().decode(Int64.self, from: $0) },
        "UInt": { _ = try JSONValueDecoder().decode(UInt.self, from: $0) },
        "UInt8": { _ = try JSONValueDecoder().decode(UInt8.self, from: $0) },
        "UInt64": { _ = try JSONValueDecoder().decode(UInt64.self, from: $0) },
    ]
    do {
        try decodeAs[type]!(.number(JSONNumber(uncheckedText: text)))
        Issue.record("\(text) decoded as \(type)")
    } catch DecodingError.dataCorrupted {
    } catch {
        Issue.record("unexpected \(error)")
    }
}

@Test func floatingPointDecodesFromAnyNumberButMustBeFinite() throws {
    #expect(try decode(Double.self, "1e3") == 1000)
    #expect(try decode(Double.self, "-0").sign == .minus)
    #expect(try decode(Double.self, "1152921504606846976") == 1_152_921_504_606_846_976)
    #expect(try decode(Float.self, "0.1") == 0.1)
    #expect(try decode(Double.self, "1e-400") == 0)
    #expect(throws: DecodingError.self) { try decode(Double.self, "1e400") }
    #expect(throws: DecodingError.self) { try decode(Float.self, "1e39") }
}

@Test func nonFiniteFloatingPointCannotBeEncoded() {
    #expect(throws: EncodingError.self) { try JSONValueEncoder().encode(Double.nan) }
    #expect(throws: EncodingError.self) { try JSONValueEncoder().encode(["x": Double.infinity]) }
    #expect(throws: EncodingError.self) { try JSONValueEncoder().encode([Float.infinity]) }
}

@Test func boolsAndStringsAreNotConvertedFromOtherTypes() {
    #expect(throws: DecodingError.self) { try decode(Bool.self, "1") }
    #expect(throws: DecodingError.self) { try decode(String.self, "1") }
    #expect(throws: DecodingError.self) { try decode(Int.self, #""1""#) }
    #expect(throws: DecodingError.self) { try decode(Int.self, "true") }
}

// MARK: - Errors carry coding paths

@Test func typeMismatchCarriesTheCodingPath() throws {
    let text = #"{"lines":[{"sku":"a","quantity":1,"unitPrice":1},{"sku":"b","quantity":"2","unitPrice":1}]}"#
    struct Lines: Decodable { var lines: [Line] }
    do {
        _ = try decode(Lines.self, text)
        Issue.record("decoded")
    } catch DecodingError.typeMismatch(let type, let context) {
        #expect(type is Int.Type)
        #expect(path(DecodingError.typeMismatch(type, context)) == ["lines", "[1]", "quantity"])
    }
}

@Test func missingKeyCarriesTheContainerPath() throws {
    struct Outer: Decodable { var inner: Line }
    do {
        _ = try decode(Outer.self, #"{"inner":{"sku":"a","unitPrice":1}}"#)
        Issue.record("decoded")
    } catch DecodingError.keyNotFound(let key, let context) {
        #expect(key.stringValue == "quantity")
        #expect(context.codingPath.map(\.stringValue) == ["inner"])
    }
}

@Test func nullForARequiredValueIsValueNotFound() throws {
    do {
        _ = try decode(Line.self, #"{"sku":null,"quantity":1,"unitPrice":1}"#)
        Issue.record("decoded")
    } catch DecodingError.valueNotFound(_, let context) {
        #expect(context.codingPath.map(\.stringValue) == ["sku"])
    }
}

@Test func errorsInsideArraysNameTheIndex() throws {
    #expect(throws: DecodingError.self) { try decode([[Int]].self, "[[1],[2,true]]") }
    do {
        _ = try decode([[Int]].self, "[[1],[2,true]]")
    } catch {
        #expect(path(error) == ["[1]", "[1]"])
    }
    do {
        _ = try decode([String: Int].self, #"{"a":1,"b":1.5}"#)
    } catch {
        #expect(path(error) == ["b"])
    }
}

@Test func wrongContainerKindIsTypeMismatch() {
    #expect(throws: DecodingError.self) { try decode(Line.self, "[]") }
    #expect(throws: DecodingError.self) { try decode([Int].self, "{}") }
}

// MARK: - Containers

private struct Manual: Codable, Equatable {
    var name: String
    var point: (x: Int, y: Int)
    var items: [Bool?]

    enum Keys: String, CodingKey { case name, point, items }
    enum PointKeys: String, CodingKey { case x, y }

    init(name: String, point: (x: Int, y: Int), items: [Bool?]) {
        self.name = name
        self.point = point
        self.items = items
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        self.name = try container.decode(String.self, forKey: .name)
        let point = try container.nestedContainer(keyedBy: PointKeys.self, forKey: .point)
        self.point = (try point.decode(Int.self, forKey: .x), try point.decode(Int.self, forKey: .y))
        var items = try container.nestedUnkeyedContainer(forKey: .items)
        var decoded: [Bool?] = []
        #expect(items.count == 3)
        while !items.isAtEnd {
            if try items.decodeNil() { decoded.append(nil) } else { decoded.append(try items.decode(Bool.self)) }
        }
        self.items = decoded
    }

    func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode("placeholder", forKey: .name)
        var point = container.nestedContainer(keyedBy: PointKeys.self, forKey: .point)
        var items = container.nestedUnkeyedContainer(forKey: .items)
        // Containers handed out earlier keep writing into their place.
        try point.encode(self.point.x, forKey: .x)
        try point.encode(self.point.y, forKey: .y)
        for item in self.items {
            if let item { try items.encode(item) } else { try items.encodeNil() }
        }
        try container.encode(self.name, forKey: .name)
    }

    static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.name == rhs.name && lhs.point == rhs.point && lhs.items == rhs.items
    }
}

@Test func nestedContainersEncodeAndDecode() throws {
    let manual = Manual(name: "m", point: (3, -4), items: [true, nil, false])
    let value = try JSONValueEncoder().encode(manual)
    #expect(JSONWriter.string(value) == #"{"name":"m","point":{"x":3,"y":-4},"items":[true,null,false]}"#)
    #expect(try JSONValueDecoder().decode(Manual.self, from: value) == manual)
}

private class Animal: Codable {
    var legs: Int
    init(legs: Int) { self.legs = legs }
}

private final class Dog: Animal {
    var name: String
    init(name: String, legs: Int) {
        self.name = name
        super.init(legs: legs)
    }
    enum Keys: CodingKey { case name, base }
    required init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Keys.self)
        self.name = try container.decode(String.self, forKey: .name)
        try super.init(from: container.superDecoder())
    }
    override func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: Keys.self)
        try container.encode(self.name, forKey: .name)
        try super.encode(to: container.superEncoder())
    }
}

@Test func superEncoderAndSuperDecoderUseTheSuperKey() throws {
    let value = try JSONValueEncoder().encode(Dog(name: "Rex", legs: 4))
    #expect(JSONWriter.string(value) == #"{"name":"Rex","super":{"legs":4}}"#)
    let dog = try JSONValueDecoder().decode(Dog.self, from: value)
    #expect(dog.name == "Rex")
    #expect(dog.legs == 4)
}

@Test func superDecoderForAKeyAndInArrays() throws {
    struct Keyed: Decodable {
        var legs: Int
        enum Keys: CodingKey { case base }
        init(from decoder: any Decoder) throws {
            let container = try decoder.container(keyedBy: Keys.self)
            self.legs = try Animal(from: container.superDecoder(forKey: .base)).legs
        }
    }
    #expect(try decode(Keyed.self, #"{"base":{"legs":3}}"#).legs == 3)

    struct Unkeyed: Codable {
        var legs: Int
        init(legs: Int) { self.legs = legs }
        init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            self.legs = try Animal(from: container.superDecoder()).legs
        }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.unkeyedContainer()
            try Animal(legs: self.legs).encode(to: container.superEncoder())
        }
    }
    let value = try JSONValueEncoder().encode(Unkeyed(legs: 6))
    #expect(JSONWriter.string(value) == #"[{"legs":6}]"#)
    #expect(try JSONValueDecoder().decode(Unkeyed.self, from: value).legs == 6)
}

@Test func encodingAKeyAgainReplacesItsValueInPlace() throws {
    struct Twice: Encodable {
        enum Keys: CodingKey { case a, b }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.container(keyedBy: Keys.self)
            try container.encode(1, forKey: .a)
            try container.encode(2, forKey: .b)
            try container.encode(3, forKey: .a)
        }
    }
    #expect(JSONWriter.string(try JSONValueEncoder().encode(Twice())) == #"{"a":3,"b":2}"#)
}

@Test func largeObjectsKeepOrderAndDecodeByName() throws {
    let dictionary = Dictionary(uniqueKeysWithValues: (0..<100).map { ("k\($0)", $0) })
    let value = try JSONValueEncoder().encode(dictionary)
    #expect(value.objectValue?.count == 100)
    #expect(try JSONValueDecoder().decode([String: Int].self, from: value) == dictionary)
}

@Test func userInfoReachesTheCodingImplementations() throws {
    let key = try #require(CodingUserInfoKey(rawValue: "galley.test"))
    struct Probe: Codable {
        static let key = CodingUserInfoKey(rawValue: "galley.test")!
        var seen: String
        init(seen: String) { self.seen = seen }
        init(from decoder: any Decoder) throws { self.seen = decoder.userInfo[Self.key] as? String ?? "none" }
        func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            try container.encode(encoder.userInfo[Self.key] as? String ?? "none")
        }
    }
    var decoder = JSONValueDecoder()
    decoder.userInfo[key] = "decoding"
    var encoder = JSONValueEncoder()
    encoder.userInfo[key] = "encoding"
    #expect(try decoder.decode(Probe.self, from: .null).seen == "decoding")
    #expect(try encoder.encode(Probe(seen: "")) == "encoding")
}

// MARK: - JSONValue through other coders

@Test func jsonValueIsCodableWithFoundationCoders() throws {
    let value: JSONValue = ["a": [1, 2.5, "x", nil, true, ["n": -3]]]
    let data = try JSONEncoder().encode(value)
    #expect(try JSONParser.parse(Array(data)) == value)
    let decoded = try JSONDecoder().decode(JSONValue.self, from: data)
    #expect(decoded == value)
}
