import Testing

@testable import JSONRPC

private let sample: JSONValue = [
    "jsonrpc": "2.0",
    "id": .number(JSONNumber(uncheckedText: "1.0")),
    "params": [
        "big": .number(JSONNumber(uncheckedText: "1152921504606846976")),
        "exp": .number(JSONNumber(uncheckedText: "1E+2")),
        "neg": .number(JSONNumber(uncheckedText: "-0")),
        "list": [1, 2.5, "three", nil, true, false, [], [:]],
        "text": "line1\nline2\t\"quoted\" \\ / é 𝄞 \u{0}\u{1F}\u{7F}",
        "empty": "",
    ],
    "z": [:],
]

@Test func compactOutputHasNoWhitespaceAndKeepsMemberOrder() {
    let value: JSONValue = ["b": [1, true, nil, "x"], "a": [:], "c": []]
    #expect(JSONWriter.string(value) == #"{"b":[1,true,null,"x"],"a":{},"c":[]}"#)
}

@Test func scalarsAreWrittenAsTheirLiterals() {
    #expect(JSONWriter.string(.null) == "null")
    #expect(JSONWriter.string(true) == "true")
    #expect(JSONWriter.string(false) == "false")
    #expect(JSONWriter.string("") == #""""#)
    #expect(JSONWriter.string(42) == "42")
}

@Test(arguments: ["1.0", "1e3", "-0", "1152921504606846976", "1E+2", "0.1", "-1.5e-7"])
func numbersAreWrittenAsTheirTextVerbatim(text: String) {
    #expect(JSONWriter.string(.number(JSONNumber(uncheckedText: text))) == text)
}

@Test func quoteBackslashAndShortFormControlsAreEscaped() {
    #expect(JSONWriter.string("\"\\\n\r\t\u{08}\u{0C}") == #""\"\\\n\r\t\b\f""#)
}

@Test func otherControlCharactersAreWrittenAsUnicodeEscapes() {
    let short: [UInt8: String] = [0x08: #"\b"#, 0x09: #"\t"#, 0x0A: #"\n"#, 0x0C: #"\f"#, 0x0D: #"\r"#]
    for byte in UInt8(0)..<0x20 {
        let string = String(decoding: [byte], as: UTF8.self)
        let hex = String(byte, radix: 16)
        let expected = short[byte] ?? "\\u00" + (hex.count == 1 ? "0" : "") + hex
        #expect(JSONWriter.string(.string(string)) == "\"\(expected)\"", "byte \(byte)")
    }
}

@Test func slashDeleteAndNonASCIIAreWrittenRaw() {
    let text = "a/b \u{7F} é € 𝄞 😀 \u{2028}"
    #expect(JSONWriter.string(.string(text)) == "\"\(text)\"")
    #expect(JSONWriter.bytes(.string("é")) == [0x22, 0xC3, 0xA9, 0x22])
}

@Test func escapesInsideLongerTextKeepTheSurroundingRuns() {
    #expect(JSONWriter.string("abc\ndef\"ghi\u{1}jkl") == #""abc\ndef\"ghi\u0001jkl""#)
    #expect(JSONWriter.string(["k\"ey": "v"]) == #"{"k\"ey":"v"}"#)
}

@Test func writeAppendsToExistingBytes() {
    var bytes = Array("prefix:".utf8)
    JSONWriter.write([1, "a"], into: &bytes)
    #expect(String(decoding: bytes, as: UTF8.self) == #"prefix:[1,"a"]"#)
}

@Test func bytesAndStringAgree() {
    #expect(String(decoding: JSONWriter.bytes(sample), as: UTF8.self) == JSONWriter.string(sample))
}

@Test func parsingWrittenTextGivesBackTheSameValue() throws {
    #expect(try JSONParser.parse(JSONWriter.bytes(sample)) == sample)
    #expect(try JSONParser.parse(JSONWriter.prettyString(sample)) == sample)
    for byte in UInt8(0)..<0x80 {
        let value = JSONValue.string(String(decoding: [byte, UInt8(ascii: "x"), byte], as: UTF8.self))
        #expect(try JSONParser.parse(JSONWriter.string(value)) == value, "byte \(byte)")
    }
}

@Test func writtenTextSurvivesParseAndWriteUnchanged() throws {
    let text = #"{"a":[1.0,1e3,-0,1E+2],"b":{"c":"\"\\\n\u0001é𝄞/"},"d":[],"e":{}}"#
    #expect(JSONWriter.string(try JSONParser.parse(text)) == text)
}

@Test func prettyStringIndentsByTwoSpaces() {
    let value: JSONValue = ["a": [1, ["b": nil]], "c": [], "d": [:], "e": "x"]
    let expected = """
        {
          "a": [
            1,
            {
              "b": null
            }
          ],
          "c": [],
          "d": {},
          "e": "x"
        }
        """
    #expect(JSONWriter.prettyString(value) == expected)
}

@Test func prettyStringOfScalarsAndEmptyContainersIsCompact() {
    #expect(JSONWriter.prettyString(1) == "1")
    #expect(JSONWriter.prettyString("a\nb") == #""a\nb""#)
    #expect(JSONWriter.prettyString([]) == "[]")
    #expect(JSONWriter.prettyString([:]) == "{}")
}
