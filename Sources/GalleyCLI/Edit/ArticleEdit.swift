import Foundation
import GalleyModel
import JSONRPC

/// Turns an edited Markdown document into the one update that changes only what was edited.
public enum ArticleEdit {
    /// The `set`/`unset` that bring `article` to what `parsed` says; nil when nothing changed.
    /// Fields the front matter leaves out mean "not set" (and are unset when they were);
    /// headline, slug and status cannot be left out.
    public static func changes(from article: JSONObject, to parsed: ArticleMarkdown.Parsed) throws -> (set: JSONObject, unset: [String])? {
        var set = JSONObject()
        var unset: [String] = []
        for field in ArticleMarkdown.frontMatterFields + ["body"] {
            let edited: JSONValue? = field == "body" ? .array(parsed.body) : parsed.fields[field]
            if ContentRules.sameValue(article[field], edited) { continue }
            if let edited, !edited.isNull {
                set[field] = edited
            } else if ContentRules.permanentFields(.article).contains(field) {
                throw CLIError.usage("\(field) cannot be empty: give it a value in the front matter")
            } else {
                unset.append(field)
            }
        }
        let errors = ContentRules.validateUpdate(set: set, unset: unset, type: .article, pathPrefix: "")
        if !errors.isEmpty {
            throw CLIError.usage("the edited article breaks the content rules:\n" + errors.map { "  \($0.path.replacingOccurrences(of: "set.", with: "")) \($0.message)" }.joined(separator: "\n"))
        }
        return set.isEmpty && unset.isEmpty ? nil : (set, unset)
    }
}
