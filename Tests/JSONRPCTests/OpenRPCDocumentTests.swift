import Foundation
import JSONRPC
import Testing

/// `API/galley.openrpc.json`, found from this file's place in the repository.
private func shippedDocumentJSON() throws -> JSONValue {
    let repository = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent()  // JSONRPCTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()
    let text = try String(contentsOf: repository.appending(path: "API/galley.openrpc.json"), encoding: .utf8)
    return try JSONParser.parse(text)
}

private func shippedDocument() throws -> OpenRPCDocument {
    try OpenRPCDocument(json: try shippedDocumentJSON())
}

private func json(_ text: String) throws -> JSONValue {
    try JSONParser.parse(text)
}

private func violation(_ path: String, _ message: String) -> SchemaViolation {
    SchemaViolation(path: path, message: message)
}

/// Every schema object in `value` (a document or a schema), with a JSON-pointer-like location.
private func schemas(in value: JSONValue, at location: String) -> [(location: String, schema: JSONObject)] {
    guard case .object(let schema) = value else { return [] }
    var found = [(location, schema)]
    for keyword in ["items", "additionalProperties"] {
        if let inner = schema[keyword] { found += schemas(in: inner, at: "\(location)/\(keyword)") }
    }
    for keyword in ["properties", "$defs"] {
        for (name, inner) in schema[keyword]?.objectValue ?? [:] {
            found += schemas(in: inner, at: "\(location)/\(keyword)/\(name)")
        }
    }
    for keyword in ["oneOf", "anyOf", "allOf", "prefixItems"] {
        for (index, inner) in (schema[keyword]?.arrayValue ?? []).enumerated() {
            found += schemas(in: inner, at: "\(location)/\(keyword)/\(index)")
        }
    }
    return found
}

/// Every `$ref` string in `value`, with where it is.
private func references(in value: JSONValue, at location: String = "#") -> [(location: String, reference: String)] {
    switch value {
    case .object(let object):
        return object.flatMap { key, member -> [(location: String, reference: String)] in
            if key == "$ref", case .string(let reference) = member { return [(location, reference)] }
            return references(in: member, at: "\(location)/\(key)")
        }
    case .array(let elements):
        return elements.enumerated().flatMap { references(in: $0.element, at: "\(location)/\($0.offset)") }
    default:
        return []
    }
}

@Suite struct ShippedOpenRPCDocumentTests {
    static let foundationMethods: Set<String> = [
        "rpc.discover", "server.info", "server.ping", "auth.authenticate", "auth.whoami",
        "token.create", "token.list", "token.revoke",
    ]

    static let contentMethods: [String: String] = [
        "changeset.commit": "editor", "changeset.revert": "editor",
        "article.create": "editor", "article.update": "editor", "article.delete": "editor",
        "media.create": "editor", "media.update": "editor", "media.delete": "editor",
        "article.get": "reader", "article.list": "reader", "article.history": "reader",
        "media.get": "reader", "media.list": "reader", "media.usage": "reader",
        "link.list": "reader", "changeset.get": "reader", "changeset.list": "reader",
    ]

    static let syncMethods: [String: String] = [
        "sync.pull": "reader", "sync.push": "editor", "sync.subscribe": "reader", "sync.unsubscribe": "reader",
    ]

    /// Object schemas left open on purpose: entity content, checked by the content model instead.
    static let openContentSchemas: Set<String> = ["#/components/schemas/EntityData", "#/components/schemas/FieldChanges"]

    @Test func theShippedDocumentParsesAsOpenRPC() throws {
        let raw = try shippedDocumentJSON()
        let document = try OpenRPCDocument(json: raw)
        #expect(raw["openrpc"] == "1.3.2")
        #expect(raw["info"]?["title"] == "Galley")
        #expect(raw["info"]?["version"]?.stringValue?.isEmpty == false)
        #expect(raw["info"]?["description"]?.stringValue?.isEmpty == false)
        #expect(document.methodNames.count == document.methods.count)
        #expect(Self.foundationMethods.isSubset(of: Set(document.methodNames)))
    }

    @Test func everyMethodNamesOneOfTheFourRoles() throws {
        let document = try shippedDocument()
        for method in document.methods.values {
            #expect(["anonymous", "reader", "editor", "admin"].contains(method.role), "\(method.name): \(method.role)")
        }
        let roles = document.methods.mapValues(\.role)
        #expect(roles["rpc.discover"] == "anonymous")
        #expect(roles["server.info"] == "anonymous")
        #expect(roles["auth.authenticate"] == "anonymous")
        #expect(roles["server.ping"] == "reader")
        #expect(roles["auth.whoami"] == "reader")
        #expect(roles["token.create"] == "admin")
        #expect(roles["token.list"] == "admin")
        #expect(roles["token.revoke"] == "admin")
        for (name, role) in Self.contentMethods.merging(Self.syncMethods, uniquingKeysWith: { first, _ in first }) {
            #expect(roles[name] == role, "\(name)")
        }
    }

    @Test func everyRefResolves() throws {
        let raw = try shippedDocumentJSON()
        let found = references(in: raw)
        #expect(found.count > 20)
        for (location, reference) in found {
            #expect(reference.hasPrefix("#/"), "\(location)")
            #expect(JSONSchemaValidator.resolve(reference, in: raw) != nil, "\(location): \(reference)")
        }
    }

    @Test func everyObjectSchemaClosesItsFields() throws {
        let raw = try shippedDocumentJSON()
        var all: [(location: String, schema: JSONObject)] = []
        for (name, schema) in raw["components"]?["schemas"]?.objectValue ?? [:] {
            all += schemas(in: schema, at: "#/components/schemas/\(name)")
        }
        for (index, method) in (raw["methods"]?.arrayValue ?? []).enumerated() {
            for (paramIndex, param) in (method["params"]?.arrayValue ?? []).enumerated() {
                all += schemas(in: param["schema"] ?? true, at: "#/methods/\(index)/params/\(paramIndex)/schema")
            }
            all += schemas(in: method["result"]?["schema"] ?? true, at: "#/methods/\(index)/result/schema")
        }
        #expect(all.count > 50)
        for (location, schema) in all {
            let isObject = schema["type"] == "object" || schema["type"]?.arrayValue?.contains("object") == true
            guard isObject || schema["properties"] != nil else { continue }
            // The OpenRPC document's own inner objects (rpc.discover's result) are left open on purpose.
            if location.hasPrefix("#/components/schemas/OpenRPCDocument/properties/") {
                #expect(schema["additionalProperties"] == true, "\(location)")
                continue
            }
            // Entity content (a create's `data`, an update's `set`) is checked by the content model, which
            // names every bad field as -32022; the schema leaves it open on purpose.
            if Self.openContentSchemas.contains(location) {
                #expect(schema["additionalProperties"] == nil && schema["properties"] == nil, "\(location) must stay open")
                continue
            }
            // A typed map (every value has a schema, e.g. metric labels) is closed in its own way.
            if case .object = schema["additionalProperties"], schema["properties"] == nil { continue }
            #expect(schema["additionalProperties"] == false, "\(location) must say additionalProperties: false")
        }
    }

    @Test func everyMethodTakesNamedParamsAndDeclaresItsErrors() throws {
        let raw = try shippedDocumentJSON()
        let errorCodes = try shippedDocument().methods.mapValues(\.errorCodes)
        for method in raw["methods"]?.arrayValue ?? [] {
            let name = method["name"]?.stringValue ?? "?"
            #expect(method["paramStructure"] == "by-name", "\(name)")
            let codes = errorCodes[name] ?? []
            #expect(codes.contains(-32602), "\(name) must declare invalid params")
            #expect(codes.contains(-32603), "\(name) must declare internal error")
            let role = method["x-galley-role"]?.stringValue
            #expect(codes.contains(-32001) == (role != "anonymous" || name == "auth.authenticate"), "\(name)")
            #expect(codes.contains(-32003) == (role == "editor" || role == "admin"), "\(name)")
        }
        #expect(errorCodes["token.revoke"]?.contains(-32004) == true)
        #expect(errorCodes["token.create"]?.contains(-32010) == true)
    }

    @Test func componentsDefineEveryErrorCodeWithAKindedDataSchemaAndAMatchingExample() throws {
        let raw = try shippedDocumentJSON()
        let validator = JSONSchemaValidator(root: raw)
        let errors = raw["components"]?["errors"]?.objectValue ?? [:]
        var codes: Set<Int> = []
        for (name, error) in errors {
            let code = try #require(error["code"]?.intValue, "\(name)")
            codes.insert(code)
            #expect(error["message"]?.stringValue?.isEmpty == false, "\(name)")
            let dataSchema = try #require(raw["components"]?["schemas"]?["\(name)Data"], "\(name)Data")
            #expect(dataSchema["required"]?.arrayValue?.contains("kind") == true, "\(name)Data must require kind")
            let example = try #require(error["data"], "\(name) needs an example data")
            #expect(validator.validate(example, against: dataSchema).isEmpty, "\(name)")
            for kind in dataSchema["properties"]?["kind"]?["enum"]?.arrayValue ?? [] {
                let word = kind.stringValue ?? ""
                #expect(word.allSatisfy { $0 == "_" || ($0.isASCII && ($0.isLowercase || $0.isNumber)) }, "\(name): \(word)")
            }
        }
        #expect(codes == [-32700, -32600, -32601, -32602, -32603, -32001, -32003, -32004, -32009, -32010, -32022, -32029])
    }

    @Test func everyMethodExampleFitsItsSchemas() throws {
        let raw = try shippedDocumentJSON()
        let document = try OpenRPCDocument(json: raw)
        var checked = 0
        for method in raw["methods"]?.arrayValue ?? [] {
            let name = method["name"]?.stringValue ?? "?"
            for example in method["examples"]?.arrayValue ?? [] {
                var params = JSONObject()
                for param in example["params"]?.arrayValue ?? [] {
                    params[param["name"]?.stringValue ?? ""] = param["value"]
                }
                #expect(document.validateParams(.object(params), for: name).isEmpty, "\(name) example params")
                let result = try #require(example["result"]?["value"])
                #expect(document.validateResult(result, for: name).isEmpty, "\(name) example result")
                checked += 1
            }
        }
        #expect(checked >= 7)
    }

    @Test func rpcDiscoverResultSchemaAcceptsTheDocumentItself() throws {
        let raw = try shippedDocumentJSON()
        #expect(try shippedDocument().validateResult(raw, for: "rpc.discover").isEmpty)
    }

    @Test func resultSchemasDescribeTheFoundationReplies() throws {
        let document = try shippedDocument()
        #expect(document.validateResult(["name": "x", "version": "1", "protocolVersion": 1, "head": -1, "storage": "sqlite", "uptimeSeconds": 0.5], for: "server.info")
            == [violation("head", "must be at least 0")])
        #expect(document.validateResult([:], for: "server.ping").isEmpty)
        #expect(document.validateResult(["extra": 1], for: "server.ping") == [violation("extra", "is not a known field")])
        let item = try json(#"{"name": "t", "role": "reader", "createdAt": "yesterday", "createdBy": null, "lastUsedAt": null, "expiresAt": null}"#)
        #expect(document.validateResult(["items": [item]], for: "token.list") == [
            violation("items[0].createdAt", "must be an RFC 3339 date-time such as 2024-05-01T12:00:00Z")
        ])
        #expect(document.validateResult(["name": "t", "revoked": false], for: "token.revoke") == [violation("revoked", "must be true")])
    }

    // MARK: params

    @Test func tokenCreateParamsReportEveryViolationAtOnce() throws {
        let document = try shippedDocument()
        let found = document.validateParams(try json(#"{"name": "-bad name", "role": "owner", "colour": "red"}"#), for: "token.create")
        #expect(
            found == [
                violation("name", "must match ^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$"),
                violation("role", "must be one of: reader, editor, admin"),
                violation("colour", "is not a known field"),
            ]
        )
        #expect(document.validateParams(.object([:]), for: "token.create") == [
            violation("name", "is required"), violation("role", "is required"),
        ])
        #expect(document.validateParams(["name": 5, "role": "admin"], for: "token.create") == [
            violation("name", "must be a string, not number")
        ])
        #expect(document.validateParams(["name": "desk-tool", "role": "editor"], for: "token.create").isEmpty)
        #expect(document.validateParams(["name": .string(String(repeating: "a", count: 65)), "role": "editor"], for: "token.create").count == 1)
    }

    @Test func omittedParamsAreCheckedAsAnEmptyObject() throws {
        let document = try shippedDocument()
        for name in ["rpc.discover", "server.info", "server.ping", "auth.whoami", "token.list"] {
            #expect(document.validateParams(.object([:]), for: name).isEmpty, "\(name)")
            #expect(document.validateParams(["unexpected": true], for: name) == [violation("unexpected", "is not a known field")], "\(name)")
        }
        #expect(document.validateParams(.object([:]), for: "auth.authenticate") == [violation("token", "is required")])
        #expect(document.validateParams(.object([:]), for: "token.revoke") == [violation("name", "is required")])
    }

    @Test func changesetCommitParamsNameEveryBadOpMember() throws {
        let document = try shippedDocument()
        let id = "0190a6e2-7c1f-7b3e-9a4d-2f5e8c1b0a93"
        let params = try json(
            #"""
            {"id": "\#(id)", "message": "m", "ops": [
              {"op": "create", "type": "article", "data": {"headline": "H", "anything": [1]}},
              {"op": "frob", "type": "article", "id": "\#(id)"},
              {"op": "update", "type": "story", "id": "nope", "baseVersion": 0, "unset": ["a", "a"], "colour": 1},
              {"op": "delete", "id": "\#(id)"}
            ]}
            """#
        )
        #expect(
            document.validateParams(params, for: "changeset.commit") == [
                violation("ops[1].op", "must be one of: create, update, delete"),
                violation("ops[2].type", "must be one of: article, media, link"),
                violation("ops[2].id", "must be a UUID such as 0190a6e2-7c1f-7b3e-9a4d-2f5e8c1b0a93"),
                violation("ops[2].baseVersion", "must be at least 1"),
                violation("ops[2].unset[1]", "is a duplicate of ops[2].unset[0]"),
                violation("ops[2].colour", "is not a known field"),
                violation("ops[3].type", "is required"),
            ]
        )
        #expect(document.validateParams(["id": .string(id), "message": "", "ops": []], for: "changeset.commit") == [
            violation("message", "must not be empty"), violation("ops", "must not be empty"),
        ])
        let set = try json(#"{"message": "m", "id": "\#(id)", "set": {"credit.creator": "A.Savin"}, "unset": ["caption"]}"#)
        #expect(document.validateParams(set, for: "media.update").isEmpty)
    }

    @Test func positionalParamsAreRefused() throws {
        let document = try shippedDocument()
        #expect(document.validateParams(["desk-tool", "editor"], for: "token.create") == [violation("", "must be an object, not array")])
    }

    @Test func authenticateTokenLengthIsBounded() throws {
        let document = try shippedDocument()
        #expect(document.validateParams(["token": ""], for: "auth.authenticate") == [violation("token", "must not be empty")])
        #expect(document.validateParams(["token": .string(String(repeating: "x", count: 513))], for: "auth.authenticate") == [
            violation("token", "must be at most 512 characters")
        ])
        #expect(document.validateParams(["token": .string(String(repeating: "x", count: 512))], for: "auth.authenticate").isEmpty)
    }

    @Test func paramsOfAnUnknownMethodCannotBeChecked() throws {
        #expect(try shippedDocument().validateParams(.object([:]), for: "article.frobnicate").count == 1)
    }

    @Test func paramsSchemaIsAssembledFromTheParamsList() throws {
        let schema = try #require(try shippedDocument().methods["token.create"]?.paramsSchema)
        #expect(schema["type"] == "object")
        #expect(schema["required"] == ["name", "role"])
        #expect(schema["additionalProperties"] == false)
        #expect(schema["properties"]?.objectValue?.keys == ["name", "role", "expires"])
    }
}

@Suite struct OpenRPCDocumentRefusalTests {
    private static func problems(_ text: String) throws -> [String] {
        do {
            _ = try OpenRPCDocument(json: try json(text))
            return []
        } catch let error as OpenRPCDocumentError {
            return error.problems
        }
    }

    private static func method(_ members: String) -> String {
        #"{"openrpc": "1.3.2", "info": {"title": "t", "version": "1"}, "methods": [\#(members)]}"#
    }

    private static let good = #"{"name": "m", "x-galley-role": "reader", "paramStructure": "by-name", "params": [], "result": {"name": "r", "schema": {}}}"#

    @Test func aMinimalDocumentIsAccepted() throws {
        let document = try OpenRPCDocument(json: try json(Self.method(Self.good)))
        #expect(document.methodNames == ["m"])
        #expect(document.methods["m"]?.errorCodes == [])
        #expect(document.methods["m"]?.paramsSchema == ["type": "object", "properties": [:], "additionalProperties": false])
    }

    @Test func aDocumentWithoutOpenRPCInfoOrMethodsIsRefused() throws {
        #expect(try Self.problems("{}") == ["openrpc is missing", "info is missing", "methods is missing"])
        #expect(try Self.problems("[]") == ["the document must be a JSON object, not array"])
        #expect(try Self.problems(#"{"openrpc": "2.0", "info": {"title": 1}, "methods": {}}"#) == [
            "openrpc must be a 1.x.y version, not 2.0", "info.title must be a string", "info.version must be a string",
            "methods must be an array, not object",
        ])
    }

    @Test func aMethodWithoutNameParamsResultOrRoleIsRefused() throws {
        #expect(try Self.problems(Self.method(#"{"params": [], "result": {"name": "r", "schema": {}}}"#)) == [
            "methods[0]: name must be a non-empty string"
        ])
        let found = try Self.problems(Self.method(#"{"name": "m", "paramStructure": "by-name"}"#))
        #expect(found == [
            "methods[0] (m): x-galley-role must be a non-empty string",
            "methods[0] (m): params must be an array",
            "methods[0] (m): result is missing",
        ])
    }

    @Test func positionalParamStructureIsRefused() throws {
        let byPosition = Self.good.replacing(#""paramStructure": "by-name", "#, with: "")
        #expect(try Self.problems(Self.method(byPosition)) == [#"methods[0] (m): paramStructure must be "by-name""#])
        let either = Self.good.replacing("by-name", with: "either")
        #expect(try Self.problems(Self.method(either)).count == 1)
    }

    @Test func duplicateMethodAndParamNamesAreRefused() throws {
        #expect(try Self.problems(Self.method(Self.good + ", " + Self.good)) == ["methods[1]: the method name m is used twice"])
        let twice = Self.good.replacing(
            #""params": []"#,
            with: #""params": [{"name": "a", "schema": {}}, {"name": "a", "schema": {}}]"#
        )
        #expect(try Self.problems(Self.method(twice)) == ["methods[0] (m) params[1]: the param name a is used twice"])
    }

    @Test func unresolvedAndNonLocalRefsAreRefused() throws {
        let broken = Self.good.replacing(#""schema": {}"#, with: ##""schema": {"$ref": "#/components/schemas/Nope"}"##)
        #expect(try Self.problems(Self.method(broken)) == [
            "#/methods/0/result/schema/$ref: #/components/schemas/Nope does not resolve"
        ])
        let remote = Self.good.replacing(#""schema": {}"#, with: #""schema": {"$ref": "https://example.com/s.json"}"#)
        #expect(try Self.problems(Self.method(remote)).first?.contains("only local references") == true)
    }

    @Test func refsToSharedParamsAndErrorsAreFollowed() throws {
        let text = #"""
            {"openrpc": "1.3.2", "info": {"title": "t", "version": "1"},
             "methods": [{"name": "m", "x-galley-role": "admin", "paramStructure": "by-name",
                          "params": [{"$ref": "#/components/contentDescriptors/Id"}],
                          "result": {"name": "r", "schema": {"type": "integer"}},
                          "errors": [{"$ref": "#/components/errors/NotFound"}, {"code": -32022, "message": "Validation failed"},
                                     {"$ref": "#/components/errors/NotFound"}]}],
             "components": {"contentDescriptors": {"Id": {"name": "id", "required": true, "schema": {"type": "string", "format": "uuid"}}},
                            "errors": {"NotFound": {"code": -32004, "message": "Not found"}}}}
            """#
        let document = try OpenRPCDocument(json: try json(text))
        let method = try #require(document.methods["m"])
        #expect(method.role == "admin")
        #expect(method.errorCodes == [-32004, -32022])
        #expect(method.resultSchema == ["type": "integer"])
        #expect(document.validateParams(["id": "nope"], for: "m") == [violation("id", "must be a UUID such as 0190a6e2-7c1f-7b3e-9a4d-2f5e8c1b0a93")])
        #expect(document.validateParams(.object([:]), for: "m") == [violation("id", "is required")])
    }

    @Test func aPatternThatDoesNotCompileIsRefused() throws {
        let bad = Self.good.replacing(#""schema": {}"#, with: #""schema": {"type": "string", "pattern": "[unclosed"}"#)
        let found = try Self.problems(Self.method(bad))
        #expect(found.count == 1)
        #expect(found.first?.hasPrefix("the pattern [unclosed does not compile") == true)
    }

    @Test func theErrorDescribesEveryProblem() {
        let error = OpenRPCDocumentError(problems: ["a", "b"])
        #expect(error.description == "not a usable OpenRPC document: a; b")
    }
}
