import JSONRPC
import Testing

private func json(_ text: String) throws -> JSONValue {
    try JSONParser.parse(text)
}

/// Validates `value` against `schema` (both JSON texts) with `schema` as the root document.
private func violations(_ value: String, _ schema: String) throws -> [SchemaViolation] {
    let schema = try json(schema)
    return JSONSchemaValidator(root: schema).validate(try json(value), against: schema)
}

private func violation(_ path: String, _ message: String) -> SchemaViolation {
    SchemaViolation(path: path, message: message)
}

@Suite struct JSONSchemaValidatorTests {
    // MARK: type

    @Test func typeMismatchNamesTheExpectedAndTheActualType() throws {
        #expect(try violations("3", #"{"type": "string"}"#) == [violation("", "must be a string, not number")])
        #expect(try violations(#""x""#, #"{"type": "object"}"#) == [violation("", "must be an object, not string")])
        #expect(try violations("null", #"{"type": "array"}"#) == [violation("", "must be an array, not null")])
        #expect(try violations("true", #"{"type": "number"}"#) == [violation("", "must be a number, not boolean")])
        #expect(try violations("{}", #"{"type": "boolean"}"#) == [violation("", "must be a boolean, not object")])
    }

    @Test func typeListAcceptsAnyListedType() throws {
        let schema = #"{"type": ["string", "null"]}"#
        #expect(try violations("null", schema).isEmpty)
        #expect(try violations(#""a""#, schema).isEmpty)
        #expect(try violations("1", schema) == [violation("", "must be a string or null, not number")])
    }

    @Test func integerAcceptsWholeNumbersWrittenWithAFractionOrAnExponent() throws {
        for whole in ["0", "-7", "1.0", "1e3", "300e-2", "2.50e1", "-0.0", "1152921504606846976"] {
            #expect(try violations(whole, #"{"type": "integer"}"#).isEmpty, "\(whole)")
        }
        for fractional in ["1.5", "1e-1", "0.001", "123456789012345678901.5"] {
            #expect(try violations(fractional, #"{"type": "integer"}"#) == [violation("", "must be an integer")], "\(fractional)")
        }
        #expect(try violations(#""1""#, #"{"type": "integer"}"#) == [violation("", "must be an integer, not string")])
        #expect(try violations("1.5", #"{"type": ["integer", "null"]}"#) == [violation("", "must be an integer or null, not a fractional number")])
    }

    @Test func aTypeMismatchIsTheOnlyViolationReportedForThatValue() throws {
        #expect(try violations("5", #"{"type": "string", "minLength": 10, "enum": ["a"]}"#).count == 1)
    }

    // MARK: objects

    @Test func unknownMissingAndWrongFieldsAreAllReportedAtOnce() throws {
        let schema = #"""
            {"type": "object", "required": ["name", "role"], "additionalProperties": false,
             "properties": {"name": {"type": "string"}, "role": {"enum": ["reader", "editor", "admin"]}}}
            """#
        let found = try violations(#"{"colour": "red", "role": "owner", "size": 3}"#, schema)
        #expect(
            found == [
                violation("colour", "is not a known field"),
                violation("role", "must be one of: reader, editor, admin"),
                violation("size", "is not a known field"),
                violation("name", "is required"),
            ]
        )
    }

    @Test func additionalPropertiesSchemaChecksEveryExtraMember() throws {
        let schema = #"{"type": "object", "properties": {"a": {}}, "additionalProperties": {"type": "integer"}}"#
        #expect(try violations(#"{"a": "anything", "b": 1, "c": "x"}"#, schema) == [violation("c", "must be an integer, not string")])
        #expect(try violations(#"{"x": "y"}"#, #"{"type": "object"}"#).isEmpty)
    }

    @Test func minAndMaxPropertiesCountMembers() throws {
        #expect(try violations("{}", #"{"type": "object", "minProperties": 1}"#) == [violation("", "must not be empty")])
        #expect(try violations(#"{"a": 1}"#, #"{"minProperties": 2}"#) == [violation("", "must have at least 2 fields")])
        #expect(try violations(#"{"a": 1, "b": 2}"#, #"{"maxProperties": 1}"#) == [violation("", "must have at most 1 field")])
    }

    @Test func nestedPathsUseDottedNamesAndBracketedIndices() throws {
        let schema = #"""
            {"type": "object", "properties": {"ops": {"type": "array", "items": {
                "type": "object", "properties": {"data": {"type": "object", "additionalProperties": false,
                    "properties": {"headline": {"type": "string", "maxLength": 5}}}}}}}}
            """#
        let value = #"{"ops": [{"data": {"headline": "ok"}}, {"data": {"headline": "far too long", "extra": 1}}]}"#
        #expect(
            try violations(value, schema) == [
                violation("ops[1].data.headline", "must be at most 5 characters"),
                violation("ops[1].data.extra", "is not a known field"),
            ]
        )
    }

    @Test func memberNamesThatAreNotIdentifiersAreQuotedInPaths() throws {
        let schema = #"{"type": "object", "properties": {"a": {"type": "object", "additionalProperties": false}}}"#
        #expect(try violations(#"{"a": {"odd name": 1, "x.y": 2}}"#, schema) == [
            violation(#"a["odd name"]"#, "is not a known field"),
            violation(#"a["x.y"]"#, "is not a known field"),
        ])
    }

    @Test func thePathArgumentPrefixesEveryReportedPath() throws {
        let schema = try json(#"{"type": "object", "required": ["id"]}"#)
        let found = JSONSchemaValidator(root: schema).validate(try json("{}"), against: schema, at: "params")
        #expect(found == [violation("params.id", "is required")])
    }

    // MARK: enum and const

    @Test func enumListsTheAllowedValues() throws {
        #expect(try violations(#""owner""#, #"{"enum": ["reader", "editor", "admin"]}"#) == [
            violation("", "must be one of: reader, editor, admin")
        ])
        #expect(try violations("3", #"{"enum": [1, 2, null]}"#) == [violation("", "must be one of: 1, 2, null")])
    }

    @Test func constRequiresExactlyThatValue() throws {
        #expect(try violations("false", #"{"const": true}"#) == [violation("", "must be true")])
        #expect(try violations(#""quote""#, #"{"const": "paragraph"}"#) == [violation("", "must be paragraph")])
        #expect(try violations("true", #"{"const": true}"#).isEmpty)
    }

    @Test func enumAndConstCompareNumbersByValueAndObjectsRegardlessOfMemberOrder() throws {
        #expect(try violations("1.0", #"{"enum": [1]}"#).isEmpty)
        #expect(try violations("100e-2", #"{"const": 1}"#).isEmpty)
        #expect(try violations(#"{"b": [1, {"c": null}], "a": 2}"#, #"{"const": {"a": 2.0, "b": [1, {"c": null}]}}"#).isEmpty)
        #expect(try violations(#"{"a": 2, "b": 3}"#, #"{"const": {"a": 2}}"#).count == 1)
        #expect(try violations("[1, 2]", #"{"const": [2, 1]}"#).count == 1)
    }

    // MARK: strings

    @Test func lengthsAreCountedInCharacters() throws {
        let schema = #"{"type": "string", "minLength": 2, "maxLength": 3}"#
        #expect(try violations(#""🇺🇦🇺🇦🇺🇦""#, schema).isEmpty)  // 3 flags, 24 bytes
        #expect(try violations(#""e\u0301a""#, schema).isEmpty)  // "éa": 2 characters, 3 scalars
        #expect(try violations(#""é""#, schema) == [violation("", "must be at least 2 characters")])
        #expect(try violations(#""abcd""#, schema) == [violation("", "must be at most 3 characters")])
        #expect(try violations(#""""#, #"{"minLength": 1}"#) == [violation("", "must not be empty")])
        #expect(try violations(#""ab""#, #"{"maxLength": 1}"#) == [violation("", "must be at most 1 character")])
    }

    @Test func patternIsASearchUnlessAnchored() throws {
        #expect(try violations(#""abc""#, #"{"pattern": "b+"}"#).isEmpty)
        #expect(try violations(#""xyz""#, #"{"pattern": "b+"}"#) == [violation("", "must match b+")])
        let anchored = #"{"pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"}"#
        #expect(try violations(#""kyivs-drone-attacks""#, anchored).isEmpty)
        #expect(try violations(#""Kyiv's""#, anchored) == [violation("", "must match ^[a-z0-9]+(-[a-z0-9]+)*$")])
        #expect(try violations(#""abc\n""#, anchored).count == 1)  // `$` does not match before a final newline
        #expect(try violations("7", anchored).isEmpty)  // pattern applies to strings only
    }

    @Test func patternClassesAreASCIIAsInECMAScript() throws {
        #expect(try violations(#""٣""#, #"{"pattern": "^\\d$"}"#).count == 1)  // ARABIC-INDIC DIGIT THREE
        #expect(try violations(#""é""#, #"{"pattern": "^\\w$"}"#).count == 1)
        #expect(try violations(#""3""#, #"{"pattern": "^\\d$"}"#).isEmpty)
    }

    @Test func anInvalidPatternIsReportedNotCrashed() throws {
        let schema = try json(#"{"pattern": "(unclosed"}"#)
        let validator = JSONSchemaValidator(root: schema)
        #expect(validator.invalidPatterns.keys.contains("(unclosed"))
        #expect(validator.validate("x", against: schema).first?.message.contains("not a valid regular expression") == true)
    }

    @Test func patternsOutsideTheRootDocumentAreCompiledOnDemand() throws {
        let validator = JSONSchemaValidator(root: .object([:]))
        let schema = try json(#"{"pattern": "^a"}"#)
        #expect(validator.validate("abc", against: schema).isEmpty)
        #expect(validator.validate("cba", against: schema) == [violation("", "must match ^a")])
    }

    @Test func dateTimeFormatFollowsRFC3339() throws {
        let schema = #"{"type": "string", "format": "date-time"}"#
        for valid in ["2024-05-01T12:00:00Z", "2024-02-29T23:59:60.123456+05:30", "1999-12-31t00:00:00z", "2024-05-01T12:00:00-00:00"] {
            #expect(try violations(#""\#(valid)""#, schema).isEmpty, "\(valid)")
        }
        for invalid in [
            "2024-05-01", "2024-05-01 12:00:00Z", "2023-02-29T00:00:00Z", "2024-13-01T00:00:00Z", "2024-05-01T24:00:00Z",
            "2024-05-01T12:00:00", "2024-05-01T12:00:00.Z", "2024-05-01T12:00:00+0100", "2024-05-01T12:00:00Zjunk",
        ] {
            #expect(try violations(#""\#(invalid)""#, schema) == [
                violation("", "must be an RFC 3339 date-time such as 2024-05-01T12:00:00Z")
            ], "\(invalid)")
        }
    }

    @Test func uuidFormatAcceptsAnyVersionInEitherCase() throws {
        let schema = #"{"format": "uuid"}"#
        #expect(try violations(#""0190a6e2-7c1f-7b3e-9a4d-2f5e8c1b0a93""#, schema).isEmpty)
        #expect(try violations(#""0190A6E2-7C1F-7B3E-9A4D-2F5E8C1B0A93""#, schema).isEmpty)
        for invalid in ["0190a6e27c1f7b3e9a4d2f5e8c1b0a93", "0190a6e2-7c1f-7b3e-9a4d-2f5e8c1b0a9g", "{0190a6e2-7c1f-7b3e-9a4d-2f5e8c1b0a93}"] {
            #expect(try violations(#""\#(invalid)""#, schema).count == 1, "\(invalid)")
        }
    }

    @Test func otherFormatsAreNotChecked() throws {
        #expect(try violations(#""not an email""#, #"{"format": "email"}"#).isEmpty)
    }

    // MARK: numbers

    @Test func numericBoundsAreInclusiveOrExclusiveAsNamed() throws {
        let schema = #"{"type": "integer", "minimum": 2, "maximum": 4}"#
        #expect(try violations("2", schema).isEmpty)
        #expect(try violations("4.0", schema).isEmpty)
        #expect(try violations("1", schema) == [violation("", "must be at least 2")])
        #expect(try violations("5", schema) == [violation("", "must be at most 4")])
        #expect(try violations("0", #"{"exclusiveMinimum": 0}"#) == [violation("", "must be greater than 0")])
        #expect(try violations("0.0001", #"{"exclusiveMinimum": 0}"#).isEmpty)
        #expect(try violations("10", #"{"exclusiveMaximum": 10}"#) == [violation("", "must be less than 10")])
        #expect(try violations("-1e400", #"{"minimum": -1e300}"#) == [violation("", "must be at least -1e300")])
    }

    @Test func numbersAreComparedExactlyNotThroughDouble() throws {
        // 2^53 + 1 and 2^53 + 2 are the same Double.
        #expect(try violations("9007199254740994", #"{"maximum": 9007199254740993}"#).count == 1)
        #expect(try violations("0.30000000000000001", #"{"maximum": 0.3}"#).count == 1)
        #expect(try violations("123456789012345678901234567890", #"{"minimum": 123456789012345678901234567889}"#).isEmpty)
    }

    // MARK: arrays

    @Test func itemCountsAreBounded() throws {
        let schema = #"{"type": "array", "minItems": 1, "maxItems": 2}"#
        #expect(try violations("[]", schema) == [violation("", "must not be empty")])
        #expect(try violations("[1, 2, 3]", schema) == [violation("", "must have at most 2 items")])
        #expect(try violations("[1]", #"{"minItems": 2}"#) == [violation("", "must have at least 2 items")])
    }

    @Test func itemsSchemaAppliesToEveryElement() throws {
        #expect(try violations(#"[1, "two", 3, null]"#, #"{"items": {"type": "integer"}}"#) == [
            violation("[1]", "must be an integer, not string"),
            violation("[3]", "must be an integer, not null"),
        ])
        #expect(try violations(#"["a", 1, 2]"#, #"{"prefixItems": [{"type": "string"}], "items": {"type": "integer"}}"#).isEmpty)
    }

    @Test func uniqueItemsNamesEachDuplicateAndItsFirstOccurrence() throws {
        let schema = #"{"type": "object", "properties": {"tags": {"type": "array", "uniqueItems": true}}}"#
        #expect(try violations(#"{"tags": ["war", "kyiv", "war", "kyiv"]}"#, schema) == [
            violation("tags[2]", "is a duplicate of tags[0]"),
            violation("tags[3]", "is a duplicate of tags[1]"),
        ])
        #expect(try violations(#"{"tags": [1, 1.0, {"a": 1, "b": 2}, {"b": 2, "a": 1}]}"#, schema).map(\.path) == ["tags[1]", "tags[3]"])
        #expect(try violations(#"{"tags": [1, "1", [1], {"1": 1}, true, null]}"#, schema).isEmpty)
    }

    // MARK: anyOf / oneOf / allOf

    private static let bodySchema = #"""
        {"type": "object", "additionalProperties": false, "properties": {
            "body": {"type": "array", "items": {"$ref": "#/$defs/Block"}}},
         "$defs": {
            "Block": {"oneOf": [{"$ref": "#/$defs/Paragraph"}, {"$ref": "#/$defs/Heading"}]},
            "Paragraph": {"type": "object", "required": ["type", "text"], "additionalProperties": false,
                          "properties": {"type": {"const": "paragraph"}, "text": {"type": "string", "minLength": 1}}},
            "Heading": {"type": "object", "required": ["type", "text", "level"], "additionalProperties": false,
                        "properties": {"type": {"const": "heading"}, "text": {"type": "string"},
                                       "level": {"type": "integer", "minimum": 2, "maximum": 4}}}}}
        """#

    @Test func oneOfWithATypeDiscriminatorReportsTheSelectedFormsViolations() throws {
        let value = #"""
            {"body": [
                {"type": "paragraph", "text": "fine"},
                {"type": "paragraph", "txt": "typo"},
                {"type": "heading", "text": "Section", "level": 7},
                {"type": "table"},
                {"text": "no type"},
                "just a string"
            ]}
            """#
        #expect(
            try violations(value, Self.bodySchema) == [
                violation("body[1].txt", "is not a known field"),
                violation("body[1].text", "is required"),
                violation("body[2].level", "must be at most 4"),
                violation("body[3].type", "must be one of: paragraph, heading"),
                violation("body[4].type", "is required (one of: paragraph, heading)"),
                violation("body[5]", "must be an object, not string"),
            ]
        )
    }

    @Test func oneOfWithoutADiscriminatorReportsOneViolationNamingTheClosestForm() throws {
        let schema = #"""
            {"oneOf": [
                {"title": "by id", "type": "object", "required": ["id"], "additionalProperties": false,
                 "properties": {"id": {"type": "string", "format": "uuid"}}},
                {"title": "by slug", "type": "object", "required": ["slug"], "additionalProperties": false,
                 "properties": {"slug": {"type": "string"}}}]}
            """#
        #expect(try violations(#"{"id": "0190a6e2-7c1f-7b3e-9a4d-2f5e8c1b0a93"}"#, schema).isEmpty)
        #expect(
            try violations(#"{"id": 5}"#, schema) == [
                violation("", "must match one of: by id, by slug (closest is by id: id must be a string, not number)")
            ]
        )
        #expect(try violations(#"{}"#, schema) == [violation("", "must match one of: by id, by slug")])
    }

    @Test func oneOfRejectsAValueMatchingMoreThanOneForm() throws {
        let schema = #"{"oneOf": [{"type": "integer"}, {"type": "number", "minimum": 0}]}"#
        #expect(try violations("-1", schema).isEmpty)
        #expect(try violations("1", schema) == [violation("", "must match exactly one of its forms, but matches integer, number")])
    }

    @Test func alternativesOfPlainTypesCombineIntoOneTypeMessage() throws {
        let schema = #"{"oneOf": [{"type": "string"}, {"type": "integer"}]}"#
        #expect(try violations("true", schema) == [violation("", "must be a string or an integer, not boolean")])
        #expect(try violations("{}", #"{"anyOf": [{"type": "string"}, {"type": "null"}]}"#)
            == [violation("", "must be a string or null, not object")])
    }

    @Test func anyOfAcceptsAValueMatchingSeveralForms() throws {
        let schema = #"{"anyOf": [{"type": "integer"}, {"type": "number", "minimum": 0}]}"#
        #expect(try violations("1", schema).isEmpty)
        #expect(try violations("-0.5", schema) == [
            violation("", "must match one of: integer, number (closest is number: must be at least 0)")
        ])
    }

    @Test func allOfReportsTheViolationsOfEverySchema() throws {
        let schema = #"{"allOf": [{"type": "string", "minLength": 3}, {"pattern": "^a"}]}"#
        #expect(try violations(#""b""#, schema) == [
            violation("", "must be at least 3 characters"), violation("", "must match ^a"),
        ])
    }

    // MARK: $ref and boolean schemas

    @Test func refsResolveAsJSONPointersIntoTheRoot() throws {
        let root = try json(#"""
            {"components": {"schemas": {"Role": {"enum": ["reader", "editor"]}, "a/b~c": {"type": "integer"}, "100%": {"type": "null"}}},
             "list": [{"type": "string"}]}
            """#)
        let validator = JSONSchemaValidator(root: root)
        #expect(validator.validate("admin", against: ["$ref": "#/components/schemas/Role"]) == [violation("", "must be one of: reader, editor")])
        #expect(validator.validate("x", against: ["$ref": "#/components/schemas/a~1b~0c"]).count == 1)
        #expect(validator.validate(.null, against: ["$ref": "#/components/schemas/100%25"]).isEmpty)
        #expect(validator.validate(1, against: ["$ref": "#/list/0"]).count == 1)
        #expect(validator.resolve("#") == root)
        #expect(validator.resolve("#/list/1") == nil)
        #expect(validator.resolve("#/list/01") == nil)
        #expect(validator.resolve("other.json#/x") == nil)
    }

    @Test func anUnresolvedRefIsAViolation() throws {
        let validator = JSONSchemaValidator(root: .object([:]))
        #expect(validator.validate(1, against: ["$ref": "#/nowhere"]) == [
            violation("", "cannot be checked: the schema reference #/nowhere does not resolve")
        ])
    }

    @Test func aSelfReferentialSchemaStopsInsteadOfRecursingForever() throws {
        let root = try json(##"{"$ref": "#"}"##)
        let found = JSONSchemaValidator(root: root).validate(1, against: root)
        #expect(found == [violation("", "cannot be checked: the schema nests too deeply")])
    }

    @Test func recursiveSchemasFollowTheValue() throws {
        let schema = ##"{"type": "object", "additionalProperties": false, "properties": {"child": {"$ref": "#"}, "n": {"type": "integer"}}}"##
        #expect(try violations(#"{"child": {"child": {"n": "x"}}}"#, schema) == [violation("child.child.n", "must be an integer, not string")])
    }

    @Test func booleanSchemasAcceptOrRejectEverything() throws {
        let validator = JSONSchemaValidator(root: .object([:]))
        #expect(validator.validate(["a": 1], against: true).isEmpty)
        #expect(validator.validate(1, against: false) == [violation("", "is not allowed")])
        let schema = try json(#"{"properties": {"legacy": false}}"#)
        #expect(validator.validate(["legacy": 1], against: schema) == [violation("legacy", "is not allowed")])
    }

    @Test func violationsDescribeThemselvesAsPathAndMessage() {
        #expect(violation("a.b", "is required").description == "a.b is required")
        #expect(violation("", "must be an object, not array").description == "must be an object, not array")
    }

    // MARK: concurrency

    @Test func oneValidatorServesConcurrentTasks() async throws {
        let schema = try json(#"{"type": "object", "properties": {"slug": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$"}}}"#)
        let validator = JSONSchemaValidator(root: schema)
        let failures = await withTaskGroup(of: Int.self) { group in
            for task in 0..<8 {
                group.addTask {
                    var failures = 0
                    for index in 0..<200 {
                        let good = validator.validate(["slug": .string("story-\(task)-\(index)")], against: schema)
                        let bad = validator.validate(["slug": .string("Story \(index)")], against: schema)
                        if !good.isEmpty || bad.count != 1 { failures += 1 }
                    }
                    return failures
                }
            }
            return await group.reduce(0, +)
        }
        #expect(failures == 0)
    }
}
