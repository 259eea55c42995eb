import Foundation
import GalleyModel
import JSONRPC

/// `--query` inside a replica, matching as the server's full-text search does: every word of the
/// query must occur in the text (case and accents ignored; a word with punctuation inside, like
/// `co-op`, must occur as that sequence of tokens), and the last word may be the start of a word.
/// The server uses SQLite FTS5 (`unicode61` tokens); the replica has no index, so this reads the
/// documents the other filters leave. Written by hand because FTS5 needs the index it queries.
struct LocalTextSearch {
    private let phrases: [[String]]

    init(_ query: String) {
        self.phrases = query.split(whereSeparator: \.isWhitespace).map { Self.tokens(String($0)) }.filter { !$0.isEmpty }
    }

    /// Whether every phrase of the query occurs in `text` (the last one's last token as a prefix).
    func matches(_ text: String) -> Bool {
        let words = Self.tokens(text)
        for (index, phrase) in self.phrases.enumerated() {
            let prefixLast = index == self.phrases.count - 1
            if !Self.contains(words, phrase, prefixLast: prefixLast) { return false }
        }
        return true
    }

    private static func contains(_ words: [String], _ phrase: [String], prefixLast: Bool) -> Bool {
        guard words.count >= phrase.count else { return false }
        for start in 0...(words.count - phrase.count) {
            var matched = true
            for (offset, token) in phrase.enumerated() {
                let word = words[start + offset]
                let last = offset == phrase.count - 1
                if !(word == token || (prefixLast && last && word.hasPrefix(token))) {
                    matched = false
                    break
                }
            }
            if matched { return true }
        }
        return false
    }

    /// Lowercased, accent-folded runs of letters and digits.
    static func tokens(_ text: String) -> [String] {
        text.folding(options: [.caseInsensitive, .diacriticInsensitive], locale: nil)
            .split { !($0.isLetter || $0.isNumber) }
            .map(String.init)
    }

    static func articleText(_ data: JSONObject) -> String { SearchText.article(data) }

    static func mediaText(_ data: JSONObject) -> String { SearchText.media(data) }
}
