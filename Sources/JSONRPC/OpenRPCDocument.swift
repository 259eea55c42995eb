/// An OpenRPC 1.x document read into what a server needs at dispatch time: for every method its
/// params as one object schema, its result schema, the error codes it declares and its role.
///
/// `init` refuses a document a server could not honour (see ``OpenRPCDocumentError``), so a server
/// that starts has a usable contract: every method takes named params, and every `$ref` resolves.
public struct OpenRPCDocument: Sendable {
    /// One method of the document.
    public struct Method: Sendable {
        public let name: String
        /// The method's `x-galley-role` extension: who may call it (`anonymous`, `reader`, `editor`, `admin`).
        public let role: String
        /// An object schema assembled from the params list: one property per param, `required` for
        /// the required ones, and `additionalProperties: false`.
        public let paramsSchema: JSONValue
        /// The schema of the `result` content descriptor.
        public let resultSchema: JSONValue
        /// The codes of the method's `errors`, `$ref`s resolved, in document order without repeats.
        public let errorCodes: [Int]
    }

    /// The extension member that names the role a method needs.
    public static let roleExtension = "x-galley-role"

    /// The document as given (what `rpc.discover` returns).
    public let raw: JSONValue
    public let methods: [String: Method]
    /// The method names in document order.
    public let methodNames: [String]
    /// A validator whose `$ref`s resolve against this document.
    public let validator: JSONSchemaValidator

    /// Reads and checks a document. Throws an ``OpenRPCDocumentError`` listing every problem found:
    /// a missing `openrpc`, `info` or `methods`; a method without `name`, `params` or `result`, or
    /// without a role; a duplicate method or param name; a `paramStructure` other than `by-name`; a
    /// `$ref` that is not local or does not resolve; a `pattern` that does not compile.
    public init(json: JSONValue) throws {
        var problems: [String] = []
        let validator = JSONSchemaValidator(root: json)
        guard case .object(let root) = json else {
            throw OpenRPCDocumentError(problems: ["the document must be a JSON object, not \(json.typeName)"])
        }

        switch root["openrpc"] {
        case .string(let version):
            let parts = version.split(separator: ".", omittingEmptySubsequences: false)
            if parts.count != 3 || parts[0] != "1" || !parts.allSatisfy({ !$0.isEmpty && $0.allSatisfy(\.isASCIIDigit) }) {
                problems.append("openrpc must be a 1.x.y version, not \(version)")
            }
        case nil:
            problems.append("openrpc is missing")
        case .some(let other):
            problems.append("openrpc must be a string, not \(other.typeName)")
        }
        if case .object(let info) = root["info"] {
            for member in ["title", "version"] where info[member]?.stringValue == nil {
                problems.append("info.\(member) must be a string")
            }
        } else {
            problems.append(root["info"] == nil ? "info is missing" : "info must be an object")
        }

        Self.checkReferences(in: json, at: "#", document: json, problems: &problems)
        for (pattern, reason) in validator.invalidPatterns.sorted(by: { $0.key < $1.key }) {
            problems.append("the pattern \(pattern) does not compile: \(reason)")
        }

        var methods: [String: Method] = [:]
        var methodNames: [String] = []
        switch root["methods"] {
        case .array(let list):
            for (index, entry) in list.enumerated() {
                let location = "methods[\(index)]"
                guard let method = Self.readMethod(entry, at: location, validator: validator, problems: &problems) else {
                    continue
                }
                if methods[method.name] != nil {
                    problems.append("\(location): the method name \(method.name) is used twice")
                    continue
                }
                methods[method.name] = method
                methodNames.append(method.name)
            }
        case nil:
            problems.append("methods is missing")
        case .some(let other):
            problems.append("methods must be an array, not \(other.typeName)")
        }

        guard problems.isEmpty else { throw OpenRPCDocumentError(problems: problems) }
        self.raw = json
        self.methods = methods
        self.methodNames = methodNames
        self.validator = validator
    }

    /// Every violation of `method`'s params schema by `params` (pass `.object([:])` when the request
    /// omitted `params`). An unknown method is reported as one violation at the root.
    public func validateParams(_ params: JSONValue, for method: String) -> [SchemaViolation] {
        guard let contract = self.methods[method] else {
            return [SchemaViolation(path: "", message: "cannot be checked: \(method) is not a method of this document")]
        }
        return self.validator.validate(params, against: contract.paramsSchema)
    }

    /// Every violation of `method`'s result schema by `result` (for tests and debug checks of the server).
    public func validateResult(_ result: JSONValue, for method: String) -> [SchemaViolation] {
        guard let contract = self.methods[method] else {
            return [SchemaViolation(path: "", message: "cannot be checked: \(method) is not a method of this document")]
        }
        return self.validator.validate(result, against: contract.resultSchema)
    }

    // MARK: - Reading

    private static func readMethod(
        _ entry: JSONValue,
        at location: String,
        validator: JSONSchemaValidator,
        problems: inout [String]
    ) -> Method? {
        guard case .object(let method) = entry else {
            problems.append("\(location) must be an object")
            return nil
        }
        guard case .string(let name) = method["name"], !name.isEmpty else {
            problems.append("\(location): name must be a non-empty string")
            return nil
        }
        let here = "\(location) (\(name))"
        let problemsBefore = problems.count

        let role = method[Self.roleExtension]?.stringValue ?? ""
        if role.isEmpty {
            problems.append("\(here): \(Self.roleExtension) must be a non-empty string")
        }
        if method["paramStructure"]?.stringValue != "by-name" {
            problems.append("\(here): paramStructure must be \"by-name\"")
        }

        var properties = JSONObject()
        var required: [JSONValue] = []
        if case .array(let params) = method["params"] {
            for (index, param) in params.enumerated() {
                let paramLocation = "\(here) params[\(index)]"
                guard case .object(let descriptor) = Self.dereferenced(param, validator: validator) else {
                    problems.append("\(paramLocation) must be a content descriptor object")
                    continue
                }
                guard case .string(let paramName) = descriptor["name"], !paramName.isEmpty else {
                    problems.append("\(paramLocation): name must be a non-empty string")
                    continue
                }
                guard let schema = descriptor["schema"] else {
                    problems.append("\(paramLocation) (\(paramName)): schema is missing")
                    continue
                }
                if properties[paramName] != nil {
                    problems.append("\(paramLocation): the param name \(paramName) is used twice")
                    continue
                }
                properties[paramName] = schema
                switch descriptor["required"] {
                case .bool(true): required.append(.string(paramName))
                case .bool(false), nil: break
                case .some: problems.append("\(paramLocation) (\(paramName)): required must be a boolean")
                }
            }
        } else {
            problems.append("\(here): params must be an array")
        }

        var resultSchema: JSONValue = true
        if let result = method["result"] {
            if let schema = Self.dereferenced(result, validator: validator)["schema"] {
                resultSchema = schema
            } else {
                problems.append("\(here): result must be a content descriptor with a schema")
            }
        } else {
            problems.append("\(here): result is missing")
        }

        var errorCodes: [Int] = []
        switch method["errors"] {
        case .array(let errors):
            for (index, error) in errors.enumerated() {
                guard let code = Self.dereferenced(error, validator: validator)["code"]?.intValue else {
                    problems.append("\(here) errors[\(index)] must be an error object with an integer code")
                    continue
                }
                if !errorCodes.contains(code) { errorCodes.append(code) }
            }
        case nil:
            break
        case .some:
            problems.append("\(here): errors must be an array")
        }

        guard problems.count == problemsBefore else { return nil }
        var paramsSchema: JSONObject = ["type": "object", "properties": .object(properties)]
        if !required.isEmpty { paramsSchema["required"] = .array(required) }
        paramsSchema["additionalProperties"] = false
        return Method(
            name: name,
            role: role,
            paramsSchema: .object(paramsSchema),
            resultSchema: resultSchema,
            errorCodes: errorCodes
        )
    }

    /// A Reference Object replaced by what it points at (a few hops at most); anything else unchanged.
    private static func dereferenced(_ value: JSONValue, validator: JSONSchemaValidator) -> JSONValue {
        var current = value
        for _ in 0..<8 {
            guard case .object(let object) = current, let reference = object["$ref"]?.stringValue,
                let target = validator.resolve(reference)
            else { break }
            current = target
        }
        return current
    }

    /// Reports every `$ref` string member that is not a local reference resolving inside `document`.
    private static func checkReferences(in value: JSONValue, at location: String, document: JSONValue, problems: inout [String]) {
        switch value {
        case .object(let object):
            for (key, member) in object {
                let memberLocation = "\(location)/\(key.replacing("~", with: "~0").replacing("/", with: "~1"))"
                if key == "$ref", case .string(let reference) = member {
                    if !reference.hasPrefix("#") {
                        problems.append("\(memberLocation): only local references (#/...) are supported, not \(reference)")
                    } else if JSONSchemaValidator.resolve(reference, in: document) == nil {
                        problems.append("\(memberLocation): \(reference) does not resolve")
                    }
                } else {
                    Self.checkReferences(in: member, at: memberLocation, document: document, problems: &problems)
                }
            }
        case .array(let elements):
            for (index, element) in elements.enumerated() {
                Self.checkReferences(in: element, at: "\(location)/\(index)", document: document, problems: &problems)
            }
        default:
            break
        }
    }
}

/// Why a JSON value was refused as an OpenRPC document: every problem found, each naming its place.
public struct OpenRPCDocumentError: Error, Sendable, Hashable, CustomStringConvertible {
    public var problems: [String]

    public init(problems: [String]) {
        self.problems = problems
    }

    public var description: String {
        "not a usable OpenRPC document: " + self.problems.joined(separator: "; ")
    }
}

extension Character {
    fileprivate var isASCIIDigit: Bool { self.isASCII && self.isNumber }
}
