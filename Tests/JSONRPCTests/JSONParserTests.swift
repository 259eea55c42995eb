import Foundation
import Testing

@testable import JSONRPC

// MARK: - Helpers

private func parse(_ bytes: [UInt8], maxDepth: Int = 128) throws(JSONParseError) -> JSONValue {
    try JSONParser.parse(bytes, maxDepth: maxDepth)
}

/// The error the parser throws for `bytes`, or nil when it accepts them.
private func parseError(_ bytes: [UInt8], maxDepth: Int = 128) -> JSONParseError? {
    do {
        _ = try JSONParser.parse(bytes, maxDepth: maxDepth)
        return nil
    } catch {
        return error
    }
}

private func parseError(_ text: String, maxDepth: Int = 128) -> JSONParseError? {
    parseError(Array(text.utf8), maxDepth: maxDepth)
}

private func quoted(_ bytes: [UInt8]) -> [UInt8] { [0x22] + bytes + [0x22] }

// MARK: - Values and whitespace

@Test(arguments: [
    ("null", JSONValue.null),
    ("true", .bool(true)),
    ("false", .bool(false)),
    ("0", .number(JSONNumber(uncheckedText: "0"))),
    ("\"s\"", .string("s")),
    ("[]", .array([])),
    ("{}", .object(JSONObject())),
    ("[null,true,false]", [nil, true, false]),
    (#"{"a":{"b":[{}]}}"#, ["a": ["b": [[:]]]]),
] as [(String, JSONValue)])
func everyKindOfValueIsAcceptedAtTopLevel(text: String, expected: JSONValue) throws {
    #expect(try JSONParser.parse(text) == expected)
}

@Test func insignificantWhitespaceIsSpaceTabLineFeedAndCarriageReturn() throws {
    let text = " \t\r\n{ \t\r\n\"a\" \t\r\n: \t\r\n[ \t\r\n1 \t\r\n, \t\r\n2 \t\r\n] \t\r\n} \t\r\n"
    #expect(try JSONParser.parse(text) == ["a": [1, 2]])
}

@Test(arguments: [
    "1\u{0C}", "\u{0C}1", "\u{0B}1", "\u{A0}1", "[1,\u{2028}2]", "\u{FEFF}1",
])
func otherWhitespaceIsRejected(text: String) {
    #expect(parseError(text)?.kind == .invalidSyntax)
}

@Test(arguments: ["", " ", "\n\t\r "])
func inputWithoutAValueIsEmpty(text: String) {
    let error = parseError(text)
    #expect(error?.kind == .empty)
    #expect(error?.offset == text.utf8.count)
}

@Test func emptyRawBufferIsEmpty() {
    #expect(throws: JSONParseError(kind: .empty, offset: 0, message: "the input is empty")) {
        try JSONParser.parse(UnsafeRawBufferPointer(start: nil, count: 0))
    }
}

@Test func byteOrderMarkAtTheStartIsRejected() {
    let error = parseError([0xEF, 0xBB, 0xBF] + Array("{}".utf8))
    #expect(error?.kind == .invalidSyntax)
    #expect(error?.offset == 0)
}

@Test func parsingStopsAtTheEndOfTheGivenBuffer() throws {
    let bytes = Array("[1]garbage".utf8)
    let value = try bytes.withUnsafeBytes { raw in
        try JSONParser.parse(UnsafeRawBufferPointer(rebasing: raw[0..<3]))
    }
    #expect(value == [1])
}

@Test func stringBytesAndRawBufferOverloadsAgree() throws {
    let text = #"{"k":[1.50,"\u00e9",null]}"#
    let fromString = try JSONParser.parse(text)
    let fromBytes = try JSONParser.parse(Array(text.utf8))
    let fromBuffer = try Array(text.utf8).withUnsafeBytes { try JSONParser.parse($0) }
    #expect(fromString == fromBytes)
    #expect(fromBytes == fromBuffer)
}

// MARK: - Structure

@Test(arguments: [
    "[1,]", #"{"a":1,}"#, "[,1]", "[,]", "{,}", "[1 2]", "[1,,2]", #"{"a" 1}"#, #"{"a":}"#, #"{"a"}"#,
    #"{"a":1 "b":2}"#, "{a:1}", "{'a':1}", "['a']", "{1:1}", #"["a":1]"#, "[1]]", "[1}", #"{"a":1]"#,
    "[", "{", "[1", #"{"a""#, #"{"a":"#, #"{"a":1"#, "[1,", "]", "}", ":", ",", "1 2", "[1] x", "[] []",
    "nul", "tru", "fals", "True", "NULL", "nulll", "truex", "[true false]",
    "// comment\n1", "/* comment */ 1", "[1/* c */]", "1 // comment", "#1",
])
func malformedStructureIsInvalidSyntax(text: String) {
    #expect(parseError(text)?.kind == .invalidSyntax)
}

@Test func duplicateKeysAreAcceptedAndTheLaterValueWins() throws {
    let value = try JSONParser.parse(#"{"a":1,"b":2,"a":3}"#)
    let object = try #require(value.objectValue)
    #expect(object.keys == ["a", "b"])
    #expect(object["a"] == 3)
}

@Test func objectMembersKeepTheirOrder() throws {
    let value = try JSONParser.parse(#"{"z":1,"a":2,"m":3}"#)
    #expect(value.objectValue?.keys == ["z", "a", "m"])
}

@Test func errorOffsetsPointAtTheOffendingByte() {
    #expect(parseError("[1,]")?.offset == 3)
    #expect(parseError("[1 2]")?.offset == 3)
    #expect(parseError(#"{"a" 1}"#)?.offset == 5)
    #expect(parseError("  x")?.offset == 2)
    #expect(parseError("tru")?.offset == 3)
    #expect(parseError("trUe")?.offset == 2)
    #expect(parseError("[1,")?.offset == 3)
    #expect(parseError("\"abc")?.offset == 4)
    #expect(parseError("1 2")?.offset == 2)
}

@Test func errorDescriptionNamesKindAndOffset() {
    let error = JSONParseError(kind: .tooDeep, offset: 7, message: "deep")
    #expect(error.description == "too_deep at byte 7: deep")
    #expect(JSONParseError.Kind.invalidUTF8.rawValue == "invalid_utf8")
    #expect(JSONParseError.Kind.invalidSyntax.rawValue == "invalid_syntax")
    #expect(JSONParseError.Kind.empty.rawValue == "empty")
}

// MARK: - Depth

private func nestedArrays(_ depth: Int) -> String {
    String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
}

private func nestedObjects(_ depth: Int) -> String {
    String(repeating: #"{"a":"#, count: depth - 1) + "{}" + String(repeating: "}", count: depth - 1)
}

@Test func nestingOf128IsAccepted() throws {
    _ = try JSONParser.parse(nestedArrays(128))
    _ = try JSONParser.parse(nestedObjects(128))
    let mixed = String(repeating: #"[{"a":"#, count: 64) + "1" + String(repeating: "}]", count: 64)
    _ = try JSONParser.parse(mixed)
}

@Test func nestingOf129IsTooDeep() {
    #expect(parseError(nestedArrays(129))?.kind == .tooDeep)
    #expect(parseError(nestedArrays(129))?.offset == 128)
    #expect(parseError(nestedObjects(129))?.kind == .tooDeep)
    let mixed = String(repeating: #"[{"a":"#, count: 64) + "[1]" + String(repeating: "}]", count: 64)
    #expect(parseError(mixed)?.kind == .tooDeep)
}

@Test func maxDepthIsConfigurable() throws {
    #expect(try JSONParser.parse("1", maxDepth: 0) == 1)
    #expect(parseError("[]", maxDepth: 0)?.kind == .tooDeep)
    #expect(try JSONParser.parse("[1]", maxDepth: 1) == [1])
    #expect(parseError("[[1]]", maxDepth: 1)?.kind == .tooDeep)
    _ = try JSONParser.parse(nestedArrays(1000), maxDepth: 1000)
}

@Test func hundredThousandOpeningBracketsAreRejectedWithoutCrashing() {
    let open = [UInt8](repeating: UInt8(ascii: "["), count: 100_000)
    #expect(parseError(open)?.kind == .tooDeep)
    #expect(parseError(open + [UInt8](repeating: UInt8(ascii: "]"), count: 100_000))?.kind == .tooDeep)
    let objects = Array(String(repeating: #"{"a":"#, count: 100_000).utf8)
    #expect(parseError(objects)?.kind == .tooDeep)
}

@Test func depthBeyondTheDefaultIsParsedWhenAllowed() throws {
    // Open containers live on the heap, so the limit is a policy, not a stack constraint.
    let value = try JSONParser.parse(nestedArrays(2_000), maxDepth: 2_000)
    var depth = 1
    var current = value
    while case .array(let elements) = current, let first = elements.first {
        depth += 1
        current = first
    }
    #expect(depth == 2_000)
}

// MARK: - Numbers

@Test(arguments: [
    "0", "-0", "1", "-1", "1.0", "1e3", "1E+2", "1e-2", "0.5", "-0.0", "0e0", "0E-0", "10", "1152921504606846976",
    "123456789012345678901234567890", "-1.25E-3", "1.5e+300", "1e400", "-1e-400", "0.000001", "9007199254740993",
])
func numberTextSurvivesRoundTrip(text: String) throws {
    let value = try JSONParser.parse(text)
    #expect(value == .number(JSONNumber(uncheckedText: text)))
    #expect(JSONWriter.string(value) == text)
    let nested = try JSONParser.parse("[\(text),{\"n\":\(text)}]")
    #expect(JSONWriter.string(nested) == "[\(text),{\"n\":\(text)}]")
}

@Test(arguments: [
    "01", "-01", "00", "0123", "1.", "-1.", ".5", "-.5", "-", "+1", "1e", "1e+", "1E-", "1.e3", "1.5e", "0x10",
    "NaN", "Infinity", "-Infinity", "inf", "1_000", "1,5", "2.", "- 1", "--1", "1e1.5", "0.1.2", "[-]", "[1.]",
    "1ee2", "1e+-2", "１",
])
func numbersOutsideTheGrammarAreRejected(text: String) {
    #expect(parseError(text)?.kind == .invalidSyntax)
}

@Test func leadingZerosAreReportedAsSuch() {
    let error = parseError("[012]")
    #expect(error?.kind == .invalidSyntax)
    #expect(error?.offset == 1)
    #expect(error?.message.contains("leading zero") == true)
}

// MARK: - Strings and escapes

@Test func everySimpleEscapeIsDecoded() throws {
    #expect(try JSONParser.parse(#""\"\\\/\b\f\n\r\t""#) == .string("\"\\/\u{08}\u{0C}\n\r\t"))
}

@Test(arguments: [
    (#""\u0041""#, "A"), (#""\u00e9""#, "é"), (#""\u00E9""#, "é"), (#""\u20AC""#, "€"), (#""\u0000""#, "\u{0}"),
    (#""\u001f""#, "\u{1F}"), (#""\uFFFF""#, "\u{FFFF}"), (#""a\u0062c""#, "abc"),
    (#""\uD834\uDD1E""#, "𝄞"), (#""\ud834\udd1e""#, "𝄞"), (#""\uD83D\uDE00!""#, "😀!"),
    (#""\uDBFF\uDFFF""#, "\u{10FFFF}"), (#""\uD800\uDC00""#, "\u{10000}"),
])
func unicodeEscapesAndSurrogatePairsAreDecoded(text: String, expected: String) throws {
    #expect(try JSONParser.parse(text) == .string(expected))
}

@Test func rawUTF8PassesThroughStringsAndKeys() throws {
    let value = try JSONParser.parse(#"{"clé €":"ünïcödé 𝄞 😀","e":"a\nb 𝄞"}"#)
    #expect(value == ["clé €": "ünïcödé 𝄞 😀", "e": "a\nb 𝄞"])
}

@Test(arguments: [
    #""\uD800""#, #""\uDBFF""#, #""\uDC00""#, #""\uDFFF""#, #""\uD800\u0041""#, #""\uD800x""#, #""\uD800\n""#,
    #""\uD800\uD800""#, #""\uDD1E\uD834""#, #""\uD800\""#, #"{"\uDFAA":0}"#,
])
func loneOrUnpairedSurrogateEscapesAreInvalidSyntax(text: String) {
    #expect(parseError(text)?.kind == .invalidSyntax)
}

@Test(arguments: [
    #""\x41""#, #""\U0041""#, #""\u12""#, #""\u12G4""#, #""\u""#, #""\"#, #""\'""#, #""\a""#, #""\0""#,
    #""abc"#, #"""#, #""\uD834\uDD1""#,
])
func invalidEscapesAndUnterminatedStringsAreRejected(text: String) {
    #expect(parseError(text)?.kind == .invalidSyntax)
}

@Test func everyRawControlCharacterInAStringIsRejected() {
    for byte in UInt8(0)..<0x20 {
        let error = parseError(quoted([UInt8(ascii: "a"), byte]))
        #expect(error?.kind == .invalidSyntax, "byte \(byte)")
        #expect(error?.offset == 2, "byte \(byte)")
    }
    #expect(throws: Never.self) { try parse(quoted([0x7F])) }
}

// MARK: - UTF-8

@Test(arguments: [
    [0xFF], [0xFE], [0x80], [0xBF], [0xC3], [0xC3, 0x41], [0xC0, 0xAF], [0xC1, 0xBF], [0xE0, 0x80, 0xAF],
    [0xE0, 0x9F, 0xBF], [0xE2, 0x82], [0xE2, 0x28, 0xA1], [0xED, 0xA0, 0x80], [0xED, 0xBF, 0xBF],
    [0xF0, 0x80, 0x80, 0xAF], [0xF0, 0x8F, 0xBF, 0xBF], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80, 0x80, 0x80],
    [0xF8, 0x88, 0x80, 0x80, 0x80], [0xFC, 0x84, 0x80, 0x80, 0x80, 0x80], [0xF0, 0x9D, 0x84],
] as [[UInt8]])
func illFormedUTF8InAStringIsInvalidUTF8(sequence: [UInt8]) {
    let error = parseError([UInt8(ascii: "["), UInt8(ascii: "\""), UInt8(ascii: "a")] + sequence + Array("\"]".utf8))
    #expect(error?.kind == .invalidUTF8)
    #expect(error?.offset == 3)
}

@Test func illFormedUTF8OutsideStringsIsInvalidUTF8() {
    #expect(parseError([0xFF]) == JSONParseError(kind: .invalidUTF8, offset: 0, message: "byte 0xFF never appears in UTF-8"))
    #expect(parseError([UInt8(ascii: "["), 0xC0, 0x80, UInt8(ascii: "]")])?.kind == .invalidUTF8)
    #expect(parseError(Array("[1] ".utf8) + [0xE2, 0x82])?.offset == 4)
    #expect(parseError(Array("[1] ".utf8) + [0xE2, 0x82])?.kind == .invalidUTF8)
    #expect(parseError(Array("1e".utf8) + [0xFF])?.kind == .invalidUTF8)
    #expect(parseError(Array(#"{"a":1,"#.utf8) + [0x80])?.kind == .invalidUTF8)
    #expect(parseError(Array(#""\"#.utf8) + [0xFF, 0x22])?.kind == .invalidUTF8)
}

@Test func illFormedUTF8InAKeyIsInvalidUTF8() {
    let error = parseError([UInt8(ascii: "{"), 0x22, 0xED, 0xA0, 0x80, 0x22] + Array(":1}".utf8))
    #expect(error?.kind == .invalidUTF8)
    #expect(error?.offset == 2)
}

@Test func illFormedUTF8AfterAnEscapeIsStillDetected() {
    let error = parseError(quoted(Array(#"\n"#.utf8) + [0xC3, 0x28]))
    #expect(error?.kind == .invalidUTF8)
    #expect(error?.offset == 3)
}

@Test func wellFormedUTF8OutsideStringsIsInvalidSyntax() {
    #expect(parseError("[é]")?.kind == .invalidSyntax)
    #expect(parseError("😀")?.kind == .invalidSyntax)
}

@Test func boundaryScalarsInRawUTF8AreAccepted() throws {
    let text = "\u{80}\u{7FF}\u{800}\u{D7FF}\u{E000}\u{FFFD}\u{FFFF}\u{10000}\u{10FFFF}"
    #expect(try JSONParser.parse("\"\(text)\"") == .string(text))
}

// MARK: - JSONTestSuite corpus

/// `<repo>/../shared/corpora/JSONTestSuite/test_parsing`, found from this file's path
/// (`<repo>/Tests/JSONRPCTests/JSONParserTests.swift`). The corpus is not part of the repo.
private enum Corpus {
    static let directory: String = {
        var components = "\(#filePath)".split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        components.removeLast(4)
        return (components + ["shared", "corpora", "JSONTestSuite", "test_parsing"]).joined(separator: "/")
    }()

    static var isPresent: Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: Self.directory, isDirectory: &isDirectory) && isDirectory.boolValue
    }

    static func files(_ prefix: String) -> [String] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: Self.directory)) ?? []
        return names.filter { $0.hasPrefix(prefix) && $0.hasSuffix(".json") }.sorted()
    }

    static func contents(_ name: String) throws -> [UInt8] {
        Array(try #require(FileManager.default.contents(atPath: Self.directory + "/" + name)))
    }

    /// The implementation-defined cases this parser accepts: numbers of any size and precision (they are
    /// kept as text). Every other `i_` file (lone surrogates, ill-formed UTF-8, UTF-16, a BOM, 500 levels of
    /// nesting) is rejected.
    static let acceptedImplementationDefined: Set<String> = [
        "i_number_double_huge_neg_exp.json", "i_number_huge_exp.json", "i_number_neg_int_huge_exp.json",
        "i_number_pos_double_huge_exp.json", "i_number_real_neg_overflow.json", "i_number_real_pos_overflow.json",
        "i_number_real_underflow.json", "i_number_too_big_neg_int.json", "i_number_too_big_pos_int.json",
        "i_number_very_big_negative_int.json",
    ]
}

@Suite(.enabled(if: Corpus.isPresent, "../shared/corpora/JSONTestSuite is absent (it is not part of the repo)"))
struct JSONTestSuiteCorpusTests {
    @Test func corpusHasAllThreeKindsOfFile() {
        #expect(Corpus.files("y_").count > 90)
        #expect(Corpus.files("n_").count > 180)
        #expect(Corpus.files("i_").count > 30)
    }

    @Test func everyMustAcceptFileIsAccepted() throws {
        for name in Corpus.files("y_") {
            let bytes = try Corpus.contents(name)
            let error = parseError(bytes)
            #expect(error == nil, "\(name): \(error.map(String.init(describing:)) ?? "")")
        }
    }

    @Test func everyMustRejectFileIsRejected() throws {
        for name in Corpus.files("n_") {
            let bytes = try Corpus.contents(name)
            #expect(parseError(bytes) != nil, "\(name) was accepted")
        }
    }

    @Test func implementationDefinedFilesGoTheDocumentedWay() throws {
        for name in Corpus.files("i_") {
            let bytes = try Corpus.contents(name)
            let error = parseError(bytes)
            if Corpus.acceptedImplementationDefined.contains(name) {
                #expect(error == nil, "\(name): \(error.map(String.init(describing:)) ?? "")")
            } else {
                #expect(error != nil, "\(name) was accepted")
            }
        }
    }

    @Test func acceptedValuesSurviveWriteAndReparse() throws {
        for name in Corpus.files("y_") + Corpus.files("i_number") {
            let value = try parse(Corpus.contents(name))
            #expect(try JSONParser.parse(JSONWriter.bytes(value)) == value, "\(name)")
            #expect(try JSONParser.parse(JSONWriter.prettyString(value)) == value, "\(name)")
        }
    }

    /// A scanner that descends into every container and reads every scalar rebuilds exactly the
    /// parsed value, and a scanner that skips the whole text accepts exactly what parsing accepts.
    @Test func aScannerWalkAgreesWithParsingOnEveryFile() throws {
        for name in Corpus.files("y_") + Corpus.files("n_") + Corpus.files("i_") {
            let bytes = try Corpus.contents(name)
            let parsed = try? parse(bytes)
            let walked = try? bytes.withUnsafeBytes { raw in try JSONParser.scan(raw, in: 0..<raw.count) { try rebuild(&$0) } }
            #expect(walked == parsed, "\(name)")
            let skipped = try? bytes.withUnsafeBytes { raw in try JSONParser.scan(raw, in: 0..<raw.count) { try $0.skip() } }
            #expect((skipped != nil) == (parsed != nil), "\(name)")
        }
    }

    @Test func scanningAnObjectOrArrayAgreesWithParsingOnEveryFile() throws {
        for name in Corpus.files("y_") + Corpus.files("n_") + Corpus.files("i_") {
            let bytes = try Corpus.contents(name)
            let parsed = Result { () throws(JSONParseError) in try parse(bytes) }
            switch parsed {
            case .success(.object(let object)):
                // Every member is listed; as in parsing, a later duplicate name is the one that counts.
                let members = try scannedMembers(bytes)
                #expect(Set(members.map(\.name)) == Set(object.keys), "\(name)")
                for (index, member) in members.enumerated() where !members[(index + 1)...].contains(where: { $0.name == member.name }) {
                    #expect(try parse(Array(bytes[member.value])) == object[member.name], "\(name): \(member.name)")
                }
            case .success(.array(let array)):
                let elements = try scannedElements(bytes)
                #expect(try elements.map { try parse(Array(bytes[$0])) } == array, "\(name)")
            case .success:
                #expect(throws: JSONParseError.self, "\(name) is not a container") { try scannedMembers(bytes) }
                #expect(throws: JSONParseError.self, "\(name) is not a container") { try scannedElements(bytes) }
            case .failure(let error):
                // Rejected by the parser: rejected by the scanner for the same kind of reason.
                let scanError = bytes.first == UInt8(ascii: "[") ? scanElementsError(bytes) : scanMembersError(bytes)
                #expect(scanError != nil, "\(name) was accepted by the scanner")
                if error.kind != .empty, let scanError {
                    #expect(scanError.kind == error.kind || scanError.kind == .invalidSyntax, "\(name): \(scanError) against \(error)")
                }
            }
        }
    }
}

// MARK: - Scanning members and elements without building values

private func scannedMembers(_ bytes: [UInt8], maxDepth: Int = 128) throws(JSONParseError) -> [(name: String, value: Range<Int>)] {
    let result = bytes.withUnsafeBytes { raw in
        Result { () throws(JSONParseError) in try JSONParser.members(of: raw, in: 0..<raw.count, maxDepth: maxDepth) }
    }
    return try result.get()
}

private func scannedElements(_ bytes: [UInt8], maxDepth: Int = 128) throws -> [Range<Int>] {
    try bytes.withUnsafeBytes { raw in
        try JSONParser.scan(raw, in: 0..<raw.count, maxDepth: maxDepth) { scanner in
            var elements: [Range<Int>] = []
            try scanner.readArray { element in elements.append(try element.skip()) }
            return elements
        }
    }
}

private func scanMembersError(_ bytes: [UInt8]) -> JSONParseError? {
    do { _ = try scannedMembers(bytes) } catch { return error }
    return nil
}

private func scanElementsError(_ bytes: [UInt8]) -> JSONParseError? {
    do { _ = try scannedElements(bytes) } catch { return error as? JSONParseError }
    return nil
}

@Test func membersGiveEachValuesTextInOrder() throws {
    let text = Array(#" { "a" : [1, {"b": "\u00e9"}], "s":"x\"y" ,"n":-1.5e3,"o":{} } "#.utf8)
    let members = try scannedMembers(text)
    #expect(members.map(\.name) == ["a", "s", "n", "o"])
    #expect(members.map { String(decoding: text[$0.value], as: UTF8.self) } == [#"[1, {"b": "\u00e9"}]"#, #""x\"y""#, "-1.5e3", "{}"])
}

@Test func aRangeInsideLargerTextIsScannedAlone() throws {
    let text = Array(#"{"items":[{"id":"a"},{"id":"b"}],"more":true}"#.utf8)
    let items = try #require(try scannedMembers(text).first { $0.name == "items" }).value
    let elements = try text.withUnsafeBytes { raw in
        try JSONParser.scan(raw, in: items) { scanner in
            var elements: [Range<Int>] = []
            try scanner.readArray { element in elements.append(try element.skip()) }
            return elements
        }
    }
    #expect(elements.map { String(decoding: text[$0], as: UTF8.self) } == [#"{"id":"a"}"#, #"{"id":"b"}"#])
}

@Test func scanningRejectsWhatParsingRejectsInsideSkippedValues() {
    // Each is a valid object but for one fault deep inside a member the scanner only steps over.
    let faults = [
        #"{"a":{"b":[1,2,]}}"#, #"{"a":"\x"}"#, #"{"a":01}"#, #"{"a":[tru]}"#, #"{"a":"\ud800"}"#, "{\"a\":\"\u{01}\"}",
        #"{"a":{"b" 1}}"#, #"{"a":1} x"#,
    ]
    for fault in faults {
        #expect(scanMembersError(Array(fault.utf8)) != nil, "\(fault) was accepted")
    }
    #expect(scanMembersError([0x7B, 0x22, 0x61, 0x22, 0x3A, 0x22, 0xC0, 0xAF, 0x22, 0x7D])?.kind == .invalidUTF8)
}

@Test func scanningCountsNestingLikeParsing() {
    let nested = Array(("{\"a\":" + String(repeating: "[", count: 5) + String(repeating: "]", count: 5) + "}").utf8)
    // Six levels: the object and five arrays.
    #expect(parseError(nested, maxDepth: 6) == nil)
    #expect((try? scannedMembers(nested, maxDepth: 6)) != nil)
    #expect(parseError(nested, maxDepth: 5)?.kind == .tooDeep)
    do {
        _ = try scannedMembers(nested, maxDepth: 5)
        Issue.record("seven levels were accepted with a limit of five")
    } catch {
        #expect(error.kind == .tooDeep)
    }
}

/// Strings are stepped over eight bytes at a time up to the first byte that needs a look: put
/// each such byte at every offset of the first windows and check parsing and scanning see it.
@Test func everySpecialByteIsSeenAtEveryOffsetOfAString() throws {
    for offset in 0..<20 {
        let before = String(repeating: "a", count: offset)
        for (inner, expected) in [(#"\""#, "\""), (#"\\"#, "\\"), ("é", "é"), ("\u{7F}", "\u{7F}"), ("𝄞", "𝄞"), (#"\u0041"#, "A")] {
            let text = "{\"k\":\"\(before)\(inner)zzzzzzzzz\"}"
            #expect(try JSONParser.parse(text) == .object(["k": .string(before + expected + "zzzzzzzzz")]), "\(text)")
            #expect(try scannedMembers(Array(text.utf8)).map(\.name) == ["k"], "\(text)")
        }
        for fault in ["\u{01}", "\u{1F}", "\n"] {
            let text = Array("{\"k\":\"\(before)\(fault)zzzzzzzz\"}".utf8)
            #expect(parseError(text)?.offset == 6 + offset, "control character at \(offset)")
            #expect(scanMembersError(text)?.offset == 6 + offset, "control character at \(offset)")
        }
        var unterminated = Array("{\"k\":\"\(before)".utf8)
        #expect(parseError(unterminated) != nil)
        unterminated.append(0xFF)
        #expect(parseError(unterminated + Array("zzzzzzzzz\"}".utf8))?.kind == .invalidUTF8)
        #expect(scanMembersError(unterminated + Array("zzzzzzzzz\"}".utf8))?.kind == .invalidUTF8)
    }
}

/// The value at the scanner, rebuilt by descending into each container.
private func rebuild(_ scanner: inout JSONScanner) throws -> JSONValue {
    switch scanner.peek() {
    case UInt8(ascii: "{"):
        var object = JSONObject()
        try scanner.readObject { name, value in object[name] = try rebuild(&value) }
        return .object(object)
    case UInt8(ascii: "["):
        var array: [JSONValue] = []
        try scanner.readArray { element in array.append(try rebuild(&element)) }
        return .array(array)
    default:
        return try scanner.value()
    }
}

@Test func aScannerGivesOffsetsIntoTheWholeTextAndCountsNesting() throws {
    let text = Array(#"xx{"a": [1, "two"], "b": {"c": null}}yy"#.utf8)
    var seen: [String] = []
    try text.withUnsafeBytes { raw in
        try JSONParser.scan(raw, in: 2..<(raw.count - 2)) { scanner in
            try scanner.readObject { name, value in
                let range = try value.skip()
                seen.append(name + "=" + String(decoding: text[range], as: UTF8.self))
            }
        }
    }
    #expect(seen == [#"a=[1, "two"]"#, #"b={"c": null}"#])
    // Trailing text after the value is refused; so is nesting past the limit, counted from the
    // containers the scanner is inside.
    #expect(throws: JSONParseError.self) {
        try Array("[1] 2".utf8).withUnsafeBytes { raw in try JSONParser.scan(raw, in: 0..<raw.count) { try $0.skip() } }
    }
    let nested = Array("[[[[1]]]]".utf8)
    let elements = try nested.withUnsafeBytes { raw in
        try JSONParser.scan(raw, in: 0..<raw.count, maxDepth: 4) { scanner in
            var count = 0
            try scanner.readArray { inner in
                _ = try inner.skip()
                count += 1
            }
            return count
        }
    }
    #expect(elements == 1)
    #expect(throws: JSONParseError.self) {
        try nested.withUnsafeBytes { raw in
            try JSONParser.scan(raw, in: 0..<raw.count, maxDepth: 3) { scanner in
                try scanner.readArray { inner in _ = try inner.skip() }
            }
        }
    }
}
