import GalleyModel
import JSONRPC
import Testing

/// Parses a JSON object literal written in a test.
func object(_ json: String, sourceLocation: SourceLocation = #_sourceLocation) -> JSONObject {
    do {
        guard case .object(let object) = try JSONParser.parse(json) else {
            Issue.record("not a JSON object: \(json)", sourceLocation: sourceLocation)
            return JSONObject()
        }
        return object
    } catch {
        Issue.record("invalid JSON in test: \(error)", sourceLocation: sourceLocation)
        return JSONObject()
    }
}

/// Parses any JSON value written in a test.
func value(_ json: String, sourceLocation: SourceLocation = #_sourceLocation) -> JSONValue {
    do {
        return try JSONParser.parse(json)
    } catch {
        Issue.record("invalid JSON in test: \(error)", sourceLocation: sourceLocation)
        return .null
    }
}

/// Errors as `path message` lines, for comparing whole lists at once.
func lines(_ errors: [FieldError]) -> [String] {
    errors.map(\.description)
}

let mediaID = "e76c546e-328d-5035-a7ec-9b38d94422d3"
let articleID = "43114924-aa23-5a1f-8add-0ee1b8fae419"
let otherArticleID = "150e334b-b7dc-5b80-a1e5-1424a2e3e025"
