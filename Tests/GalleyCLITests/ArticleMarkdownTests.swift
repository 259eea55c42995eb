import GalleyCLI
import JSONRPC
import Testing

/// The Markdown form of an article reads back to exactly the same fields and body.
struct ArticleMarkdownTests {
    /// A small deterministic generator (SplitMix64), so a failing case can be replayed by seed.
    struct SeededRandom: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            self.state &+= 0x9E37_79B9_7F4A_7C15
            var z = self.state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    /// Pieces chosen to look like Markdown syntax, escapes, whitespace and edge characters.
    static let fragments = [
        "word", "Kyiv", "ß", "é", "日本", "🙂", " ", "  ", "\n", "\n\n", "#", "## ", "> ", ">", "- ", "* ", "1. ", "12. ", "\\", "![x](media:0190a6e2-7c1f-7b3e-9a4d-2f5e8c1b0a93)",
        "```", "```galley", "— ", "—", "|", ",", "\"", "[", "]", "{", "(", ")", "\t", "\r", "---", "media:", ":", "null", "\u{00A0}",
    ]

    static func text(_ random: inout SeededRandom, allowEmpty: Bool = true) -> String {
        let count = Int.random(in: (allowEmpty ? 0 : 1)...6, using: &random)
        var text = (0..<count).map { _ in Self.fragments.randomElement(using: &random)! }.joined()
        if !allowEmpty, text.isEmpty { text = "x" }
        // Plain prose most of the time, so the Markdown forms (not only the JSON fence) are exercised.
        if Int.random(in: 0..<3, using: &random) == 0 { return text }
        return ["Delegations met in Istanbul.", "What was agreed", "We will talk again", "A ferry at dawn", "first\nsecond line"]
            .randomElement(using: &random)!
    }

    static func block(_ random: inout SeededRandom) -> JSONValue {
        let id = "0190a6e2-7c1f-7b3e-9a4d-2f5e8c1b0a9\(Int.random(in: 0...9, using: &random))"
        switch Int.random(in: 0..<8, using: &random) {
        case 0, 1: return ["type": "paragraph", "text": .string(Self.text(&random))]
        case 2:
            var block: JSONObject = ["type": "heading", "text": .string(Self.text(&random))]
            if let level = [2, 3, 4, nil].randomElement(using: &random)! { block["level"] = .number(JSONNumber(level)) }
            return .object(block)
        case 3:
            var block: JSONObject = ["type": "quote", "text": .string(Self.text(&random))]
            switch Int.random(in: 0..<4, using: &random) {
            case 0: break
            case 1: block["attribution"] = .null
            default: block["attribution"] = .string(Self.text(&random))
            }
            return .object(block)
        case 4, 5:
            var block: JSONObject = ["type": "list", "items": .array((0..<Int.random(in: 0...4, using: &random)).map { _ in .string(Self.text(&random)) })]
            if let ordered = [true, false, nil].randomElement(using: &random)! { block["ordered"] = .bool(ordered) }
            return .object(block)
        default:
            var block: JSONObject = ["type": "media", "mediaId": .string(id)]
            if Bool.random(using: &random) { block["caption"] = .string(Self.text(&random)) }
            return .object(block)
        }
    }

    static func article(_ random: inout SeededRandom) -> JSONObject {
        var article: JSONObject = [
            "id": "0190a6e2-7c20-7c41-8b2e-5d9f0a6c3e11", "version": 3, "slug": "delegations-meet",
            "headline": .string(Self.text(&random, allowEmpty: false)), "status": "draft",
            "tags": .array((0..<Int.random(in: 0...3, using: &random)).map { index in .string(Self.text(&random, allowEmpty: false) + "\(index)") }),
            "bylines": .array((0..<Int.random(in: 0...2, using: &random)).map { _ in
                var byline: JSONObject = ["name": .string(Self.text(&random, allowEmpty: false))]
                if Bool.random(using: &random) { byline["role"] = .string(Self.text(&random)) }
                return .object(byline)
            }),
            "body": .array((0..<Int.random(in: 0...8, using: &random)).map { _ in Self.block(&random) }),
        ]
        if Bool.random(using: &random) { article["subheadline"] = .string(Self.text(&random)) }
        if Bool.random(using: &random) { article["section"] = .string(Self.text(&random, allowEmpty: false)) }
        if Bool.random(using: &random) { article["leadMediaId"] = "0190a6e2-7c1f-7b3e-9a4d-2f5e8c1b0a93" }
        return article
    }

    @Test func everyGeneratedArticleRoundTripsThroughMarkdown() throws {
        for seed in 0..<1500 {
            var random = SeededRandom(state: UInt64(seed))
            let article = Self.article(&random)
            let markdown = ArticleMarkdown.document(article)
            let parsed = try ArticleMarkdown.parse(markdown)
            #expect(parsed.body == article["body"]?.arrayValue, "seed \(seed):\n\(markdown)")
            for field in ArticleMarkdown.frontMatterFields {
                #expect(parsed.fields[field] == article[field], "seed \(seed), \(field):\n\(markdown)")
            }
            #expect(parsed.articleID == "0190a6e2-7c20-7c41-8b2e-5d9f0a6c3e11")
            #expect(parsed.baseVersion == 3)
        }
    }

    @Test func ordinaryBlocksUseMarkdownNotJSON() throws {
        let body: [JSONValue] = [
            ["type": "paragraph", "text": "Delegations met in Istanbul on Friday."],
            ["type": "heading", "text": "What was agreed", "level": 2],
            ["type": "heading", "text": "Details", "level": 3],
            ["type": "quote", "text": "We will meet again.", "attribution": "A negotiator"],
            ["type": "list", "items": ["prisoner exchange", "a second round"]],
            ["type": "list", "items": ["first", "second"], "ordered": true],
            ["type": "media", "mediaId": "0190a6e2-7c1f-7b3e-9a4d-2f5e8c1b0a93", "caption": "Delegations arrive"],
            ["type": "paragraph", "text": "# not a heading"],
        ]
        let markdown = ArticleMarkdown.bodyMarkdown(body)
        #expect(
            markdown == """
                Delegations met in Istanbul on Friday.

                ## What was agreed

                ### Details

                > We will meet again.
                > — A negotiator

                - prisoner exchange
                - a second round

                1. first
                2. second

                ![Delegations arrive](media:0190a6e2-7c1f-7b3e-9a4d-2f5e8c1b0a93)

                \\# not a heading
                """
        )
        #expect(try ArticleMarkdown.parseBody(markdown) == body)
    }

    @Test func frontMatterReadsPlainValuesAndRejectsUnknownFields() throws {
        let parsed = try ArticleMarkdown.parse(
            """
            ---
            headline: Ferries return
            section: world
            status: draft
            tags: transport, istanbul
            bylines:
              - Anna Kovalenko | Istanbul correspondent
              - J. Doe
            ---

            Text.
            """
        )
        #expect(parsed.fields["headline"] == "Ferries return")
        #expect(parsed.fields["tags"] == ["transport", "istanbul"])
        #expect(parsed.fields["bylines"] == [["name": "Anna Kovalenko", "role": "Istanbul correspondent"], ["name": "J. Doe"]])
        #expect(parsed.fields["subheadline"] == nil)
        #expect(parsed.body == [["type": "paragraph", "text": "Text."]])
        #expect(throws: ArticleMarkdown.ParseError.self) { try ArticleMarkdown.parse("---\nheadlin: typo\n---\n") }
        #expect(throws: ArticleMarkdown.ParseError.self) { try ArticleMarkdown.parse("no front matter") }
    }
}
