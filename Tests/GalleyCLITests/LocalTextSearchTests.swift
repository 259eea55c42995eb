import JSONRPC
import Testing

@testable import GalleyCLI

/// `--query` inside a replica finds what the server's full-text search finds.
struct LocalTextSearchTests {
    @Test(arguments: [
        ("ferries bospho", true),  // the last word matches as a prefix
        ("ferr bosphorus", false),  // earlier words must be whole words
        ("EMINONU", true),  // case and accents are ignored
        ("co-op", true),  // a word with punctuation is a phrase of its tokens
        ("op-co", false),  // ...in that order
        ("istanbul", false),
        ("", true),
    ])
    func matchesLikeTheServersIndex(query: String, expected: Bool) {
        let text = "Ferries return to the Bosphorus\nThe co-op at Eminönü pier"
        #expect(LocalTextSearch(query).matches(text) == expected)
    }

    @Test func articleTextCoversHeadlineSubheadlineAndBody() {
        let article: JSONObject = [
            "headline": "Talks resume",
            "body": [["type": "quote", "text": "We will return", "attribution": "A delegate"], ["type": "list", "items": ["ceasefire"]]],
        ]
        #expect(LocalTextSearch("delegate ceasefire").matches(LocalTextSearch.articleText(article)))
    }
}
