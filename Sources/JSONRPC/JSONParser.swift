/// Why a JSON text was rejected, and where.
public struct JSONParseError: Error, Sendable, Hashable, CustomStringConvertible {
    public enum Kind: String, Sendable {
        /// The text does not follow the RFC 8259 grammar (this includes lone surrogate escapes and a BOM).
        case invalidSyntax = "invalid_syntax"
        /// A byte sequence is not well-formed UTF-8 (overlong forms, encoded surrogates, > U+10FFFF, truncation).
        case invalidUTF8 = "invalid_utf8"
        /// Arrays and objects are nested deeper than the allowed depth.
        case tooDeep = "too_deep"
        /// The input holds no value at all (zero bytes, or whitespace only).
        case empty = "empty"
    }

    public var kind: Kind
    /// The byte offset (from the start of the input) of the first byte that could not be accepted;
    /// the input's length when it ended too early.
    public var offset: Int
    public var message: String

    public init(kind: Kind, offset: Int, message: String) {
        self.kind = kind
        self.offset = offset
        self.message = message
    }

    public var description: String { "\(self.kind.rawValue) at byte \(self.offset): \(self.message)" }
}

/// A strict RFC 8259 parser working directly on bytes.
///
/// - exactly one value, surrounded by optional whitespace (space, tab, LF, CR);
/// - no comments, trailing commas, leading zeros, `NaN`/`Infinity`, BOM, or raw control characters in strings;
/// - every escape is checked, `\u` surrogate pairs are combined and a lone surrogate escape is an error;
/// - the input must be well-formed UTF-8 (the first ill-formed sequence met is reported as `invalidUTF8`);
/// - numbers keep their exact text; a later duplicate object key replaces the earlier one;
/// - nesting is tracked on an explicit stack, so no input can exhaust the call stack: opening an array or
///   object at depth `maxDepth + 1` is a `tooDeep` error.
public enum JSONParser {
    public static func parse(_ bytes: UnsafeRawBufferPointer, maxDepth: Int = 128) throws(JSONParseError) -> JSONValue {
        guard let base = bytes.baseAddress, !bytes.isEmpty else {
            throw JSONParseError(kind: .empty, offset: 0, message: "the input is empty")
        }
        var parser = _JSONByteParser(
            bytes: base.assumingMemoryBound(to: UInt8.self), count: bytes.count, maxDepth: maxDepth)
        return try parser.parseDocument()
    }

    public static func parse(_ bytes: [UInt8], maxDepth: Int = 128) throws(JSONParseError) -> JSONValue {
        let result = bytes.withUnsafeBytes { raw -> Result<JSONValue, JSONParseError> in
            do throws(JSONParseError) { return .success(try Self.parse(raw, maxDepth: maxDepth)) } catch { return .failure(error) }
        }
        return try result.get()
    }

    /// The members of the object `bytes[range]` holds, in order, each with the byte range of its
    /// value's text (offsets into `bytes`): the text is checked exactly as ``parse(_:maxDepth:)``
    /// checks it, but no value is built. (A ``JSONScanner`` reads nested values in the same pass.)
    public static func members(
        of bytes: UnsafeRawBufferPointer, in range: Range<Int>, maxDepth: Int = 128
    ) throws(JSONParseError) -> [(name: String, value: Range<Int>)] {
        do {
            return try Self.scan(bytes, in: range, maxDepth: maxDepth) { scanner in
                var members: [(name: String, value: Range<Int>)] = []
                try scanner.readObject { name, value in members.append((name, try value.skip())) }
                return members
            }
        } catch let error as JSONParseError {
            throw error
        } catch {
            preconditionFailure("only parse errors are thrown here: \(error)")
        }
    }

    fileprivate static func scanner(_ bytes: UnsafeRawBufferPointer, _ range: Range<Int>, maxDepth: Int) throws(JSONParseError) -> _JSONByteParser {
        precondition(range.lowerBound >= 0 && range.upperBound <= bytes.count, "the range is outside the bytes")
        guard let base = bytes.baseAddress, !range.isEmpty else {
            throw JSONParseError(kind: .empty, offset: 0, message: "the input is empty")
        }
        return _JSONByteParser(
            bytes: base.assumingMemoryBound(to: UInt8.self) + range.lowerBound, count: range.count, maxDepth: maxDepth)
    }

    public static func parse(_ string: String, maxDepth: Int = 128) throws(JSONParseError) -> JSONValue {
        var string = string
        let result = string.withUTF8 { buffer -> Result<JSONValue, JSONParseError> in
            do throws(JSONParseError) { return .success(try Self.parse(UnsafeRawBufferPointer(buffer), maxDepth: maxDepth)) } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

/// Reads one JSON text in a single pass, value by value, checking every byte as
/// ``JSONParser/parse(_:maxDepth:)`` does: a reader descends into the containers it needs,
/// parses the few values it wants and steps over the rest, keeping their offsets to use the text
/// as it is. Made by ``JSONParser/scan(_:in:maxDepth:_:)``, valid only inside its closure.
public struct JSONScanner {
    private var parser: _JSONByteParser
    private let base: Int

    fileprivate init(parser: _JSONByteParser, base: Int) {
        self.parser = parser
        self.base = base
    }

    /// The offset (into the bytes given to `scan`) of the next byte to read.
    public var offset: Int { self.base + self.parser.index }

    /// The first byte of the next value, after any whitespace; nil at the end of the text.
    public mutating func peek() -> UInt8? {
        self.parser.skipWhitespace()
        return self.parser.index < self.parser.count ? self.parser.bytes[self.parser.index] : nil
    }

    /// Steps over the next value; returns where its text is (offsets into the bytes).
    public mutating func skip() throws(JSONParseError) -> Range<Int> {
        self.parser.skipWhitespace()
        let start = self.offset
        try self.parser.skipValue()
        return start..<self.offset
    }

    /// Parses the next value.
    public mutating func value() throws(JSONParseError) -> JSONValue {
        self.parser.skipWhitespace()
        return try self.parser.parseValueTree()
    }

    /// Reads the object that is the next value: `member` is called with each member's name, the
    /// scanner on its value, which it must read, skip or descend into.
    public mutating func readObject(_ member: (String, inout JSONScanner) throws -> Void) throws {
        try self.readContainer(open: ASCII.openBrace) { scanner in
            let name = try scanner.parser.parseMemberName()
            try member(name, &scanner)
        }
    }

    /// Reads the array that is the next value: `element` is called with the scanner on each
    /// element, which it must read, skip or descend into.
    public mutating func readArray(_ element: (inout JSONScanner) throws -> Void) throws {
        try self.readContainer(open: ASCII.openBracket, element)
    }

    private mutating func readContainer(open: UInt8, _ each: (inout JSONScanner) throws -> Void) throws {
        let isObject = open == ASCII.openBrace
        let close = isObject ? ASCII.closeBrace : ASCII.closeBracket
        guard self.peek() == open else { throw self.parser.unexpected(expecting: isObject ? "an object" : "an array") }
        guard self.parser.depth < self.parser.maxDepth else { throw self.parser.tooDeep() }
        self.parser.index += 1
        self.parser.depth += 1
        defer { self.parser.depth -= 1 }
        if self.peek() == close {
            self.parser.index += 1
            return
        }
        while true {
            try each(&self)
            switch self.peek() {
            case ASCII.comma:
                self.parser.index += 1
                self.parser.skipWhitespace()
            case close:
                self.parser.index += 1
                return
            default:
                throw self.parser.unexpected(expecting: isObject ? "',' or '}'" : "',' or ']'")
            }
        }
    }

    fileprivate mutating func finish() throws(JSONParseError) {
        guard self.peek() == nil else { throw self.parser.unexpected(expecting: "the end of the input") }
    }
}

extension JSONParser {
    /// Reads the text `bytes[range]` with a ``JSONScanner``; after `body`, only whitespace may
    /// be left. The scanner's offsets are into `bytes`.
    public static func scan<Result>(
        _ bytes: UnsafeRawBufferPointer, in range: Range<Int>, maxDepth: Int = 128, _ body: (inout JSONScanner) throws -> Result
    ) throws -> Result {
        var scanner = JSONScanner(parser: try Self.scanner(bytes, range, maxDepth: maxDepth), base: range.lowerBound)
        if scanner.peek() == nil { throw JSONParseError(kind: .empty, offset: range.lowerBound, message: "the input holds only whitespace") }
        let result = try body(&scanner)
        try scanner.finish()
        return result
    }
}

// MARK: - Implementation

private enum ASCII {
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let lineFeed: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let quote: UInt8 = 0x22
    static let backslash: UInt8 = 0x5C
    static let slash: UInt8 = 0x2F
    static let comma: UInt8 = 0x2C
    static let colon: UInt8 = 0x3A
    static let openBracket: UInt8 = 0x5B
    static let closeBracket: UInt8 = 0x5D
    static let openBrace: UInt8 = 0x7B
    static let closeBrace: UInt8 = 0x7D
    static let minus: UInt8 = 0x2D
    static let plus: UInt8 = 0x2B
    static let dot: UInt8 = 0x2E
    static let zero: UInt8 = 0x30
    static let nine: UInt8 = 0x39
    static let lowerE: UInt8 = 0x65
    static let upperE: UInt8 = 0x45
}

private struct _JSONByteParser {
    let bytes: UnsafePointer<UInt8>
    let count: Int
    let maxDepth: Int
    var index = 0
    /// Arrays and objects open around `index` that this parser's caller walks (a `JSONScanner`
    /// inside them); values parsed or skipped nest below them.
    var depth = 0
    /// Reused by every string that has escapes.
    var scratch: [UInt8] = []

    init(bytes: UnsafePointer<UInt8>, count: Int, maxDepth: Int) {
        self.bytes = bytes
        self.count = count
        self.maxDepth = maxDepth
    }

    // MARK: Document and structure

    mutating func parseDocument() throws(JSONParseError) -> JSONValue {
        if self.count >= 3, self.bytes[0] == 0xEF, self.bytes[1] == 0xBB, self.bytes[2] == 0xBF {
            throw JSONParseError(kind: .invalidSyntax, offset: 0, message: "a byte order mark is not allowed")
        }
        self.skipWhitespace()
        guard self.index < self.count else {
            throw JSONParseError(kind: .empty, offset: self.index, message: "the input holds only whitespace")
        }
        let value = try self.parseValueTree()
        self.skipWhitespace()
        guard self.index == self.count else {
            throw self.unexpected(expecting: "the end of the input")
        }
        return value
    }

    /// Parses one value (of any nesting) starting at `index`, which must not be whitespace.
    ///
    /// Open containers live on explicit stacks (`isObject` says which kind each level is; `arrays`,
    /// `objects` and `keys` hold the partial contents), so depth costs heap, never call stack.
    mutating func parseValueTree() throws(JSONParseError) -> JSONValue {
        var isObject: [Bool] = []
        var arrays: [[JSONValue]] = []
        var objects: [JSONObject] = []
        var keys: [String] = []

        parseValue: while true {
            guard self.index < self.count else { throw self.unexpected(expecting: "a value") }
            var value: JSONValue
            switch self.bytes[self.index] {
            case ASCII.openBrace:
                guard self.depth + isObject.count < self.maxDepth else { throw self.tooDeep() }
                self.index += 1
                self.skipWhitespace()
                if self.index < self.count, self.bytes[self.index] == ASCII.closeBrace {
                    self.index += 1
                    value = .object(JSONObject())
                } else {
                    isObject.append(true)
                    objects.append(JSONObject())
                    keys.append(try self.parseMemberName())
                    continue parseValue
                }
            case ASCII.openBracket:
                guard self.depth + isObject.count < self.maxDepth else { throw self.tooDeep() }
                self.index += 1
                self.skipWhitespace()
                if self.index < self.count, self.bytes[self.index] == ASCII.closeBracket {
                    self.index += 1
                    value = .array([])
                } else {
                    isObject.append(false)
                    arrays.append([])
                    continue parseValue
                }
            case ASCII.quote:
                self.index += 1
                value = .string(try self.parseString())
            case UInt8(ascii: "t"):
                try self.expectLiteral("true")
                value = .bool(true)
            case UInt8(ascii: "f"):
                try self.expectLiteral("false")
                value = .bool(false)
            case UInt8(ascii: "n"):
                try self.expectLiteral("null")
                value = .null
            case ASCII.minus, ASCII.zero...ASCII.nine:
                value = .number(try self.parseNumber())
            default:
                throw self.unexpected(expecting: "a value")
            }

            // Hand the finished value to the innermost open container, closing containers as they end.
            while let inObject = isObject.last {
                self.skipWhitespace()
                guard self.index < self.count else {
                    throw self.unexpected(expecting: inObject ? "',' or '}'" : "',' or ']'")
                }
                let byte = self.bytes[self.index]
                if inObject {
                    objects[objects.count - 1][keys.removeLast()] = value
                    if byte == ASCII.comma {
                        self.index += 1
                        self.skipWhitespace()
                        keys.append(try self.parseMemberName())
                        continue parseValue
                    } else if byte == ASCII.closeBrace {
                        self.index += 1
                        isObject.removeLast()
                        value = .object(objects.removeLast())
                    } else {
                        throw self.unexpected(expecting: "',' or '}'")
                    }
                } else {
                    arrays[arrays.count - 1].append(value)
                    if byte == ASCII.comma {
                        self.index += 1
                        self.skipWhitespace()
                        continue parseValue
                    } else if byte == ASCII.closeBracket {
                        self.index += 1
                        isObject.removeLast()
                        value = .array(arrays.removeLast())
                    } else {
                        throw self.unexpected(expecting: "',' or ']'")
                    }
                }
            }
            return value
        }
    }

    // MARK: Scanning without building

    /// Steps over one value (of any nesting) at `index`, checking it as `parseValueTree` does
    /// (below the `depth` containers open around it), without building it.
    mutating func skipValue() throws(JSONParseError) {
        var isObject: [Bool] = []
        skipValue: while true {
            guard self.index < self.count else { throw self.unexpected(expecting: "a value") }
            switch self.bytes[self.index] {
            case ASCII.openBrace, ASCII.openBracket:
                guard self.depth + isObject.count < self.maxDepth else { throw self.tooDeep() }
                let opensObject = self.bytes[self.index] == ASCII.openBrace
                self.index += 1
                self.skipWhitespace()
                if self.index < self.count, self.bytes[self.index] == (opensObject ? ASCII.closeBrace : ASCII.closeBracket) {
                    self.index += 1
                } else {
                    isObject.append(opensObject)
                    if opensObject { try self.skipMemberName() }
                    continue skipValue
                }
            case ASCII.quote:
                self.index += 1
                try self.skipString()
            case UInt8(ascii: "t"): try self.expectLiteral("true")
            case UInt8(ascii: "f"): try self.expectLiteral("false")
            case UInt8(ascii: "n"): try self.expectLiteral("null")
            case ASCII.minus, ASCII.zero...ASCII.nine: try self.scanNumber()
            default: throw self.unexpected(expecting: "a value")
            }
            // Close the containers that end here; go on to the next member or element.
            while let inObject = isObject.last {
                self.skipWhitespace()
                guard self.index < self.count else {
                    throw self.unexpected(expecting: inObject ? "',' or '}'" : "',' or ']'")
                }
                let byte = self.bytes[self.index]
                if byte == ASCII.comma {
                    self.index += 1
                    self.skipWhitespace()
                    if inObject { try self.skipMemberName() }
                    continue skipValue
                } else if byte == (inObject ? ASCII.closeBrace : ASCII.closeBracket) {
                    self.index += 1
                    isObject.removeLast()
                } else {
                    throw self.unexpected(expecting: inObject ? "',' or '}'" : "',' or ']'")
                }
            }
            return
        }
    }

    /// `parseMemberName` without making the name.
    mutating func skipMemberName() throws(JSONParseError) {
        try self.expectMemberNameQuote()
        try self.skipString()
        try self.expectColon()
    }

    /// `parseString` without making the string (escapes are still checked, into `scratch`).
    mutating func skipString() throws(JSONParseError) {
        while true {
            self.index = self.plainRunEnd(from: self.index)
            guard self.index < self.count else { break }
            let byte = self.bytes[self.index]
            if byte == ASCII.quote {
                self.index += 1
                return
            } else if byte == ASCII.backslash {
                var buffer = self.scratch
                self.scratch = []
                buffer.removeAll(keepingCapacity: true)
                defer { self.scratch = buffer }
                try self.parseEscape(into: &buffer)
            } else if byte < 0x20 {
                throw self.controlCharacter(byte)
            } else {
                try self.skipUTF8Sequence()
            }
        }
        throw self.unexpected(expecting: "'\"' to end the string")
    }

    /// The index of the first byte at or after `index` that a string scan must stop at (a quote,
    /// a backslash, a control character or a non-ASCII byte), or `count`. Plain ASCII, most of
    /// any document's text, is stepped over eight bytes at a time.
    @inline(__always)
    func plainRunEnd(from start: Int) -> Int {
        var index = start
        let bytes = self.bytes
        let end = self.count
        while index + 8 <= end {
            if Self.hasSpecialByte(UnsafeRawPointer(bytes + index).loadUnaligned(as: UInt64.self)) { break }
            index += 8
        }
        while index < end {
            let byte = bytes[index]
            if byte == ASCII.quote || byte == ASCII.backslash || byte < 0x20 || byte >= 0x80 { break }
            index += 1
        }
        return index
    }

    /// Whether any of the eight bytes of `word` is a quote, a backslash, a control character or
    /// not ASCII (the bytes a string scan must stop at). Each test sets a byte's high bit.
    @inline(__always)
    static func hasSpecialByte(_ word: UInt64) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        let belowSpace = (word &- ones &* 0x20) & ~word
        let quote = word ^ (ones &* UInt64(ASCII.quote))
        let backslash = word ^ (ones &* UInt64(ASCII.backslash))
        let isQuote = (quote &- ones) & ~quote
        let isBackslash = (backslash &- ones) & ~backslash
        return (belowSpace | isQuote | isBackslash | word) & highs != 0
    }

    /// Parses `"name"` and the `:` after it, leaving `index` on the member's value.
    mutating func parseMemberName() throws(JSONParseError) -> String {
        try self.expectMemberNameQuote()
        let name = try self.parseString()
        try self.expectColon()
        return name
    }

    /// Steps over the opening quote of a member name.
    mutating func expectMemberNameQuote() throws(JSONParseError) {
        guard self.index < self.count, self.bytes[self.index] == ASCII.quote else {
            throw self.unexpected(expecting: "a member name (a string)")
        }
        self.index += 1
    }

    /// Steps over the `:` after a member name and the whitespace around it.
    mutating func expectColon() throws(JSONParseError) {
        self.skipWhitespace()
        guard self.index < self.count, self.bytes[self.index] == ASCII.colon else {
            throw self.unexpected(expecting: "':'")
        }
        self.index += 1
        self.skipWhitespace()
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while self.index < self.count {
            switch self.bytes[self.index] {
            case ASCII.space, ASCII.lineFeed, ASCII.carriageReturn, ASCII.tab: self.index += 1
            default: return
            }
        }
    }

    mutating func expectLiteral(_ literal: StaticString) throws(JSONParseError) {
        let length = literal.utf8CodeUnitCount
        let expected = literal.utf8Start
        for offset in 0..<length {
            guard self.index + offset < self.count, self.bytes[self.index + offset] == expected[offset] else {
                self.index += offset
                throw self.unexpected(expecting: "'\(literal)'")
            }
        }
        self.index += length
    }

    // MARK: Numbers

    /// `-? (0 | [1-9][0-9]*) (\.[0-9]+)? ([eE][+-]?[0-9]+)?`, kept as text.
    mutating func parseNumber() throws(JSONParseError) -> JSONNumber {
        let start = self.index
        try self.scanNumber()
        return JSONNumber(uncheckedText: self.text(from: start, to: self.index))
    }

    /// Steps over the number at `index`, checking its grammar.
    mutating func scanNumber() throws(JSONParseError) {
        if self.bytes[self.index] == ASCII.minus { self.index += 1 }
        guard self.index < self.count, Self.isDigit(self.bytes[self.index]) else {
            throw self.unexpected(expecting: "a digit")
        }
        if self.bytes[self.index] == ASCII.zero {
            self.index += 1
            if self.index < self.count, Self.isDigit(self.bytes[self.index]) {
                throw JSONParseError(
                    kind: .invalidSyntax, offset: self.index - 1, message: "a number must not have leading zeros")
            }
        } else {
            self.skipDigits()
        }
        if self.index < self.count, self.bytes[self.index] == ASCII.dot {
            self.index += 1
            guard self.index < self.count, Self.isDigit(self.bytes[self.index]) else {
                throw self.unexpected(expecting: "a digit after the decimal point")
            }
            self.skipDigits()
        }
        if self.index < self.count, self.bytes[self.index] | 0x20 == ASCII.lowerE {
            self.index += 1
            if self.index < self.count, self.bytes[self.index] == ASCII.plus || self.bytes[self.index] == ASCII.minus {
                self.index += 1
            }
            guard self.index < self.count, Self.isDigit(self.bytes[self.index]) else {
                throw self.unexpected(expecting: "a digit in the exponent")
            }
            self.skipDigits()
        }
    }

    @inline(__always)
    static func isDigit(_ byte: UInt8) -> Bool { byte &- ASCII.zero < 10 }

    @inline(__always)
    mutating func skipDigits() {
        while self.index < self.count, Self.isDigit(self.bytes[self.index]) { self.index += 1 }
    }

    // MARK: Strings

    /// Parses a string whose opening quote is just before `index`; leaves `index` after the closing quote.
    mutating func parseString() throws(JSONParseError) -> String {
        let start = self.index
        while self.index < self.count {
            self.index = self.plainRunEnd(from: self.index)
            guard self.index < self.count else { break }
            let byte = self.bytes[self.index]
            if byte == ASCII.quote {
                let string = self.text(from: start, to: self.index)
                self.index += 1
                return string
            } else if byte == ASCII.backslash {
                return try self.parseEscapedString(from: start)
            } else if byte < 0x20 {
                throw self.controlCharacter(byte)
            } else {
                try self.skipUTF8Sequence()
            }
        }
        throw self.unexpected(expecting: "'\"' to end the string")
    }

    /// The slow path, taken at the first backslash: bytes are gathered in a buffer.
    mutating func parseEscapedString(from start: Int) throws(JSONParseError) -> String {
        var buffer = self.scratch
        self.scratch = []
        buffer.removeAll(keepingCapacity: true)
        defer { self.scratch = buffer }
        var runStart = start
        while self.index < self.count {
            self.index = self.plainRunEnd(from: self.index)
            guard self.index < self.count else { break }
            let byte = self.bytes[self.index]
            if byte == ASCII.quote {
                buffer.append(contentsOf: UnsafeBufferPointer(start: self.bytes + runStart, count: self.index - runStart))
                self.index += 1
                return String(decoding: buffer, as: UTF8.self)
            } else if byte == ASCII.backslash {
                buffer.append(contentsOf: UnsafeBufferPointer(start: self.bytes + runStart, count: self.index - runStart))
                try self.parseEscape(into: &buffer)
                runStart = self.index
            } else if byte < 0x20 {
                throw self.controlCharacter(byte)
            } else {
                try self.skipUTF8Sequence()
            }
        }
        throw self.unexpected(expecting: "'\"' to end the string")
    }

    /// Decodes the escape at `index` (a backslash) and appends its UTF-8 to `buffer`.
    mutating func parseEscape(into buffer: inout [UInt8]) throws(JSONParseError) {
        let escapeStart = self.index
        self.index += 1
        guard self.index < self.count else { throw self.unexpected(expecting: "an escape character") }
        let byte = self.bytes[self.index]
        self.index += 1
        switch byte {
        case ASCII.quote, ASCII.backslash, ASCII.slash: buffer.append(byte)
        case UInt8(ascii: "b"): buffer.append(0x08)
        case UInt8(ascii: "f"): buffer.append(0x0C)
        case UInt8(ascii: "n"): buffer.append(0x0A)
        case UInt8(ascii: "r"): buffer.append(0x0D)
        case UInt8(ascii: "t"): buffer.append(0x09)
        case UInt8(ascii: "u"):
            var scalar = UInt32(try self.parseHex4())
            if scalar & 0xFC00 == 0xD800 {
                // A high surrogate must be followed at once by an escaped low surrogate.
                guard self.index + 1 < self.count, self.bytes[self.index] == ASCII.backslash,
                    self.bytes[self.index + 1] == UInt8(ascii: "u")
                else {
                    throw JSONParseError(
                        kind: .invalidSyntax, offset: escapeStart,
                        message: "a high surrogate escape must be followed by a low surrogate escape")
                }
                self.index += 2
                let low = UInt32(try self.parseHex4())
                guard low & 0xFC00 == 0xDC00 else {
                    throw JSONParseError(
                        kind: .invalidSyntax, offset: escapeStart,
                        message: "a high surrogate escape must be followed by a low surrogate escape")
                }
                scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
            } else if scalar & 0xFC00 == 0xDC00 {
                throw JSONParseError(
                    kind: .invalidSyntax, offset: escapeStart, message: "a low surrogate escape without a high surrogate")
            }
            Self.appendUTF8(scalar, to: &buffer)
        default:
            self.index -= 1
            if byte >= 0x80, let error = self.utf8Error() { throw error }
            throw JSONParseError(
                kind: .invalidSyntax, offset: self.index, message: "invalid escape \(Self.describe(byte)) in a string")
        }
    }

    mutating func parseHex4() throws(JSONParseError) -> UInt16 {
        var value: UInt16 = 0
        for _ in 0..<4 {
            guard self.index < self.count else { throw self.unexpected(expecting: "a hexadecimal digit") }
            let byte = self.bytes[self.index]
            let digit: UInt8
            switch byte {
            case ASCII.zero...ASCII.nine: digit = byte - ASCII.zero
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = byte - UInt8(ascii: "A") + 10
            default: throw self.unexpected(expecting: "a hexadecimal digit")
            }
            value = value << 4 | UInt16(digit)
            self.index += 1
        }
        return value
    }

    static func appendUTF8(_ scalar: UInt32, to buffer: inout [UInt8]) {
        switch scalar {
        case ..<0x80:
            buffer.append(UInt8(scalar))
        case ..<0x800:
            buffer.append(UInt8(0xC0 | scalar >> 6))
            buffer.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            buffer.append(UInt8(0xE0 | scalar >> 12))
            buffer.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            buffer.append(UInt8(0x80 | scalar & 0x3F))
        default:
            buffer.append(UInt8(0xF0 | scalar >> 18))
            buffer.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            buffer.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            buffer.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    // MARK: UTF-8

    /// Steps over the well-formed multi-byte sequence at `index` or throws `invalidUTF8`.
    @inline(__always)
    mutating func skipUTF8Sequence() throws(JSONParseError) {
        let length = self.wellFormedUTF8Length(at: self.index)
        guard length > 0 else { throw self.utf8Error()! }
        self.index += length
    }

    /// The length of the well-formed UTF-8 sequence starting at `position` (whose byte is >= 0x80),
    /// or 0 when it is ill-formed (Unicode Table 3-7).
    func wellFormedUTF8Length(at position: Int) -> Int {
        let lead = self.bytes[position]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return 0
        }
        guard position + length <= self.count else { return 0 }
        let second = self.bytes[position + 1]
        guard second >= low, second <= high else { return 0 }
        for offset in 2..<length where self.bytes[position + offset] & 0xC0 != 0x80 {
            return 0
        }
        return length
    }

    /// The `invalidUTF8` error for the byte at `index`, or nil when a well-formed sequence starts there.
    func utf8Error() -> JSONParseError? {
        let lead = self.bytes[self.index]
        guard lead >= 0x80, self.wellFormedUTF8Length(at: self.index) == 0 else { return nil }
        let message: String
        switch lead {
        case 0x80...0xBF: message = "unexpected UTF-8 continuation \(Self.describe(lead))"
        case 0xC0, 0xC1: message = "overlong UTF-8 sequence"
        case 0xF5...0xFF: message = "\(Self.describe(lead)) never appears in UTF-8"
        default: message = "ill-formed or truncated UTF-8 sequence starting with \(Self.describe(lead))"
        }
        return JSONParseError(kind: .invalidUTF8, offset: self.index, message: message)
    }

    // MARK: Errors and helpers

    @inline(__always)
    func text(from start: Int, to end: Int) -> String {
        String(decoding: UnsafeBufferPointer(start: self.bytes + start, count: end - start), as: UTF8.self)
    }

    func tooDeep() -> JSONParseError {
        JSONParseError(
            kind: .tooDeep, offset: self.index,
            message: "arrays and objects are nested deeper than the limit of \(self.maxDepth)")
    }

    func controlCharacter(_ byte: UInt8) -> JSONParseError {
        JSONParseError(
            kind: .invalidSyntax, offset: self.index,
            message: "control character \(Self.describe(byte)) must be escaped in a string")
    }

    /// The error for the byte at `index` (or the end of the input) when `expected` was wanted.
    func unexpected(expecting expected: String) -> JSONParseError {
        guard self.index < self.count else {
            return JSONParseError(
                kind: .invalidSyntax, offset: self.index, message: "unexpected end of input, expected \(expected)")
        }
        if let error = self.utf8Error() { return error }
        return JSONParseError(
            kind: .invalidSyntax, offset: self.index,
            message: "unexpected \(Self.describe(self.bytes[self.index])), expected \(expected)")
    }

    static func describe(_ byte: UInt8) -> String {
        if byte >= 0x21, byte < 0x7F { return "'\(Character(Unicode.Scalar(byte)))'" }
        let hex = String(byte, radix: 16, uppercase: true)
        return byte < 0x80 ? "U+00\(hex.count == 1 ? "0" : "")\(hex)" : "byte 0x\(hex)"
    }
}
