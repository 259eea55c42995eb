import JSONRPC

extension ContentRules {
    /// Body block types, in the order messages list them.
    public static let blockTypes: [String] = ["paragraph", "heading", "quote", "list", "media"]

    static let maxTags = 50
    static let maxBylines = 20
    static let maxBlocks = 2000
    /// The limit on any one text of a body block (paragraph text, list item, caption...).
    static let maxBlockText = 100_000

    /// The members each body block type may have (besides `type`) and which of them are required.
    static func blockMembers(_ blockType: String) -> (members: KeyValuePairs<String, Spec>, required: [String])? {
        let text = Spec.string(min: 0, max: Self.maxBlockText, nullable: false)
        let optionalText = Spec.string(min: 0, max: Self.maxBlockText, nullable: true)
        switch blockType {
        case "paragraph":
            return (["text": text], ["text"])
        case "heading":
            return (["text": text, "level": .integer(min: 2, max: 4, nullable: true)], ["text"])
        case "quote":
            return (["text": text, "attribution": optionalText], ["text"])
        case "list":
            return (["items": .stringList(maxLength: Self.maxBlockText), "ordered": .boolean(nullable: true)], ["items"])
        case "media":
            return (["mediaId": .string(min: 0, max: .max, nullable: false, format: .uuid), "caption": optionalText], ["mediaId"])
        default:
            return nil
        }
    }

    /// `tags`: at most 50 strings of 1..64 characters, none repeated.
    static func checkTags(_ value: JSONValue, at path: String, into errors: inout [FieldError]) {
        guard let tags = Self.checkArray(value, maxItems: Self.maxTags, at: path, into: &errors) else { return }
        var seen = Set<String>()
        var reported = Set<String>()
        for (index, tag) in tags.enumerated() {
            Self.check(tag, .string(min: 1, max: 64, nullable: false), at: Self.path(path, index: index), into: &errors)
            guard case .string(let text) = tag else { continue }
            if !seen.insert(text).inserted, reported.insert(text).inserted {
                errors.append(FieldError(path: path, message: "must not repeat \(JSONWriter.string(.string(text)))"))
            }
        }
    }

    /// `bylines`: at most 20 `{name, role?}` objects.
    static func checkBylines(_ value: JSONValue, at path: String, into errors: inout [FieldError]) {
        guard let bylines = Self.checkArray(value, maxItems: Self.maxBylines, at: path, into: &errors) else { return }
        for (index, byline) in bylines.enumerated() {
            let bylinePath = Self.path(path, index: index)
            guard case .object(let object) = byline else {
                errors.append(FieldError(path: bylinePath, message: "must be an object, not \(byline.typeName)"))
                continue
            }
            Self.checkMembers(
                object,
                members: ["name": .string(min: 1, max: 200, nullable: false), "role": .string(min: 0, max: 100, nullable: true)],
                required: ["name"],
                at: bylinePath,
                into: &errors
            )
        }
    }

    /// `body`: at most 2,000 blocks, each checked by its `type`.
    static func checkBody(_ value: JSONValue, at path: String, into errors: inout [FieldError]) {
        guard let blocks = Self.checkArray(value, maxItems: Self.maxBlocks, at: path, into: &errors) else { return }
        for (index, block) in blocks.enumerated() {
            Self.checkBlock(block, at: Self.path(path, index: index), into: &errors)
        }
    }

    /// One body block: an object whose `type` selects its members.
    static func checkBlock(_ block: JSONValue, at path: String, into errors: inout [FieldError]) {
        guard case .object(let object) = block else {
            errors.append(FieldError(path: path, message: "must be an object, not \(block.typeName)"))
            return
        }
        let typePath = Self.path(path, member: "type")
        guard let given = object["type"] else {
            errors.append(FieldError(path: typePath, message: "is required"))
            return
        }
        guard let blockType = given.stringValue, let shape = Self.blockMembers(blockType) else {
            errors.append(FieldError(path: typePath, message: "must be one of: \(Self.blockTypes.joined(separator: ", "))"))
            return
        }
        Self.checkMembers(object, members: shape.members, required: shape.required, skipping: "type", at: path, into: &errors)
    }
}
