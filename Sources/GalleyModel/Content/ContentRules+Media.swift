import JSONRPC

extension ContentRules {
    /// `credit`: an object (or `null`, meaning none) of optional string members.
    static func checkCredit(_ value: JSONValue, at path: String, into errors: inout [FieldError]) {
        if value.isNull { return }
        guard case .object(let credit) = value else {
            errors.append(FieldError(path: path, message: "must be an object, not \(value.typeName)"))
            return
        }
        for (name, member) in credit {
            let memberPath = Self.path(path, member: name)
            if let spec = Self.creditSpec(of: name) {
                Self.check(member, spec, at: memberPath, into: &errors)
            } else {
                errors.append(FieldError(path: memberPath, message: "is not a known field"))
            }
        }
    }
}
