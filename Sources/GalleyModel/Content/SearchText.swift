import JSONRPC

/// The text full-text search reads from a document: the server's FTS5 index and a replica's
/// search without an index take it from here, so both search the same words.
public enum SearchText {
    /// An article body's words: block text, quote attributions, captions and list items.
    public static func body(_ body: JSONValue?) -> String {
        var parts: [String] = []
        for block in body?.arrayValue ?? [] {
            for key in ["text", "attribution", "caption"] {
                if let text = block[key]?.stringValue { parts.append(text) }
            }
            for item in block["items"]?.arrayValue ?? [] {
                if let text = item.stringValue { parts.append(text) }
            }
        }
        return parts.joined(separator: "\n")
    }

    /// An article's headline and subheadline ("" for one it lacks): the title columns of the
    /// server's search index.
    public static func title(_ data: JSONObject) -> [String] {
        [data["headline"]?.stringValue ?? "", data["subheadline"]?.stringValue ?? ""]
    }

    /// Everything an article search matches: headline, subheadline and body.
    public static func article(_ data: JSONObject) -> String {
        (Self.title(data) + [Self.body(data["body"])]).joined(separator: "\n")
    }

    /// A photo's caption and its credit's creator and source ("" for one it lacks): the columns
    /// of the server's media search index.
    public static func mediaColumns(_ data: JSONObject) -> [String] {
        let credit = data["credit"]?.objectValue ?? [:]
        return [data["caption"]?.stringValue ?? "", credit["creator"]?.stringValue ?? "", credit["source"]?.stringValue ?? ""]
    }

    /// Everything a media search matches: caption and the credit's creator and source.
    public static func media(_ data: JSONObject) -> String {
        Self.mediaColumns(data).joined(separator: "\n")
    }
}
