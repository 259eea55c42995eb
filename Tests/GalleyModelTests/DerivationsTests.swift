import GalleyModel
import JSONRPC
import Testing

@Suite struct Slugs {
    @Test(arguments: [
        ("Kyiv's Drone Attacks", "kyivs-drone-attacks"),
        ("Kyiv’s Drone Attacks", "kyivs-drone-attacks"),
        (
            "Ukraine And Russia Hold Talks in Istanbul After Kyiv’s Drone Attacks",
            "ukraine-and-russia-hold-talks-in-istanbul-after-kyivs-drone-attacks"
        ),
        (
            "Ukraine Drone Strikes Hit Siberia, Arctic; Russia Probes Train Sabotage",
            "ukraine-drone-strikes-hit-siberia-arctic-russia-probes-train-sabotage"
        ),
    ])
    func headlinesBecomeHyphenatedLowercaseWords(headline: String, slug: String) {
        #expect(Derivations.slug(fromHeadline: headline) == slug)
    }

    @Test(arguments: [
        ("Çırağan Palace", "ciragan-palace"),
        ("Café Résumé Naïve", "cafe-resume-naive"),
        ("Straße in Łódź", "strasse-in-lodz"),
        ("Øresund Bridge", "oresund-bridge"),
        ("İstanbul ıslak", "istanbul-islak"),
        ("Ærø Œuvre Þing", "aero-oeuvre-thing"),
        ("Ångström", "angstrom"),
        ("São Paulo’s Déjà Vu", "sao-paulos-deja-vu"),
    ])
    func diacriticsFoldToASCII(headline: String, slug: String) {
        #expect(Derivations.slug(fromHeadline: headline) == slug)
    }

    @Test func digitsAreKept() {
        #expect(Derivations.slug(fromHeadline: "Russia Launched 472 Drones in 2025") == "russia-launched-472-drones-in-2025")
        #expect(Derivations.slug(fromHeadline: "113,100 km² of Ukraine") == "113-100-km2-of-ukraine")
        #expect(Derivations.slug(fromHeadline: "１２３ full-width") == "123-full-width")
    }

    @Test func punctuationRunsBecomeOneHyphenAndEndsAreTrimmed() {
        #expect(Derivations.slug(fromHeadline: "  --Breaking!!! News...  ") == "breaking-news")
        #expect(Derivations.slug(fromHeadline: "“Quoted” — headline / with: stuff?") == "quoted-headline-with-stuff")
        #expect(Derivations.slug(fromHeadline: "'Tis the season'") == "tis-the-season")
        #expect(Derivations.slug(fromHeadline: "a_b c\td\ne") == "a-b-c-d-e")
    }

    @Test func nothingLeftGivesUntitled() {
        #expect(Derivations.slug(fromHeadline: "") == "untitled")
        #expect(Derivations.slug(fromHeadline: "!?…—–'’ ") == "untitled")
        #expect(Derivations.slug(fromHeadline: "🇺🇦 🚀") == "untitled")
    }

    @Test func otherScriptsAreTransliterated() {
        #expect(Derivations.slug(fromHeadline: "Москва") == "moskva")
        #expect(Derivations.slug(fromHeadline: "Ελλάδα") == "ellada")
    }

    @Test func longHeadlinesAreCutAtAHyphenWithinOneHundredTwentyCharacters() {
        let headline = Array(repeating: "Negotiations", count: 20).joined(separator: " ")
        let slug = Derivations.slug(fromHeadline: headline)
        #expect(slug.count <= 120)
        #expect(slug.count == 12 * 9 + 8)  // nine whole words
        #expect(slug.hasSuffix("negotiations"))
        #expect(ContentRules.isSlug(slug))
    }

    @Test func aCutFallingOnAHyphenKeepsAllOneHundredTwentyCharacters() {
        // 119 letters, a space, then more: the 121st character is the hyphen.
        let headline = String(repeating: "a", count: 59) + " " + String(repeating: "b", count: 60) + " tail"
        let slug = Derivations.slug(fromHeadline: headline)
        #expect(slug == String(repeating: "a", count: 59) + "-" + String(repeating: "b", count: 60))
        #expect(slug.count == 120)
    }

    @Test func oneEndlessWordIsCutHard() {
        let slug = Derivations.slug(fromHeadline: String(repeating: "x", count: 500))
        #expect(slug == String(repeating: "x", count: 120))
    }

    @Test func slugsAlwaysMatchThePattern() {
        let headlines = [
            "Kyiv’s Drone Attacks", "", "-", "a", "A--B", "  x  ", "Çırağan", "東京", "1/2 ½", "Ab'-'cd", "ﬁnal ﬂight",
            String(repeating: "word ", count: 100), String(repeating: "é-", count: 200), "Dr. Strangelove: or How I Learned",
        ]
        for headline in headlines {
            let slug = Derivations.slug(fromHeadline: headline)
            #expect(ContentRules.isSlug(slug), "\(headline) gave \(slug)")
            #expect(slug.count <= 120 && !slug.isEmpty)
            #expect(ContentRules.validateCreate(["headline": "H", "slug": .string(slug)], type: .article, pathPrefix: "").isEmpty)
        }
    }
}

@Suite struct ReadingMinutes {
    func paragraph(words: Int) -> JSONValue {
        ["type": "paragraph", "text": .string(Array(repeating: "word", count: words).joined(separator: " "))]
    }

    @Test func aMissingOrEmptyBodyReadsInOneMinute() {
        #expect(Derivations.readingMinutes(body: nil) == 1)
        #expect(Derivations.readingMinutes(body: []) == 1)
        #expect(Derivations.readingMinutes(body: "not a body") == 1)
        #expect(Derivations.readingMinutes(body: [paragraph(words: 0)]) == 1)
    }

    @Test func minutesRoundUpPerTwoHundredThirtyWords() {
        #expect(Derivations.readingMinutes(body: [paragraph(words: 230)]) == 1)
        #expect(Derivations.readingMinutes(body: [paragraph(words: 231)]) == 2)
        #expect(Derivations.readingMinutes(body: [paragraph(words: 460)]) == 2)
        #expect(Derivations.readingMinutes(body: [paragraph(words: 461)]) == 3)
        #expect(Derivations.readingMinutes(body: [paragraph(words: 200), paragraph(words: 31)]) == 2)
    }

    @Test func everyTextOfEveryBlockCounts() {
        let body = value(
            """
            [{"type": "heading", "text": "one two"},
             {"type": "quote", "text": "three four", "attribution": "five"},
             {"type": "list", "items": ["six", "seven eight"], "ordered": true},
             {"type": "media", "mediaId": "\(mediaID)", "caption": "nine ten"},
             {"type": "paragraph", "text": "eleven"}]
            """
        )
        // 11 words: scale each to cross a minute boundary by repeating the body.
        guard case .array(let blocks) = body else { return }
        #expect(Derivations.readingMinutes(body: .array(Array(repeating: blocks, count: 20).flatMap { $0 })) == 1)  // 220 words
        #expect(Derivations.readingMinutes(body: .array(Array(repeating: blocks, count: 21).flatMap { $0 })) == 2)  // 231 words
    }

    @Test func wordsAreRunsOfNonWhitespace() {
        #expect(Derivations.wordCount("  one\ttwo\n\nthree  ") == 3)
        #expect(Derivations.wordCount("don’t stop—now, 2025!") == 3)
        #expect(Derivations.wordCount("a\u{00A0}b\u{2003}c") == 3)
        #expect(Derivations.wordCount("") == 0)
        #expect(Derivations.wordCount(5) == 0)
    }

    /// The ASCII fast path and the Unicode path agree with the White_Space property everywhere:
    /// every scalar up to U+3000 used as a separator (or as part of a word) counts as Unicode says.
    @Test func wordCountFollowsTheWhiteSpacePropertyForEveryScalar() {
        for value in UInt32(1)...0x3000 {
            guard let scalar = Unicode.Scalar(value) else { continue }
            let text = "Dolmabahçe\(Character(scalar))Palace"
            let expected = scalar.properties.isWhitespace ? 2 : 1
            #expect(Derivations.wordCount(.string(text)) == expected, "U+\(String(value, radix: 16))")
        }
        #expect(Derivations.wordCount("\u{85}x\u{3000}y\u{1680}z\u{0C}w\u{0B}v") == 5)
    }

    @Test func idsAndUnknownBlocksDoNotCount() {
        let block: JSONValue = ["type": "media", "mediaId": .string(mediaID)]
        #expect(Derivations.readingMinutes(body: .array(Array(repeating: block, count: 500))) == 1)
        let unknown: JSONValue = ["type": "video", "text": .string(Array(repeating: "w", count: 1000).joined(separator: " "))]
        #expect(Derivations.readingMinutes(body: [unknown]) == 1)
    }
}

@Suite struct CreditLines {
    @Test func creatorThenSource() {
        #expect(Derivations.creditLine(credit: ["creator": "A.Savin", "source": "Wikimedia Commons"]) == "A.Savin / Wikimedia Commons")
        #expect(Derivations.creditLine(credit: ["creator": "A.Savin"]) == "A.Savin")
        #expect(Derivations.creditLine(credit: ["source": "Wikimedia Commons"]) == "Wikimedia Commons")
        #expect(Derivations.creditLine(credit: [:]) == nil)
    }

    @Test func blankAndNullMembersCountAsAbsent() {
        #expect(Derivations.creditLine(credit: ["creator": "  A.Savin ", "source": "   "]) == "A.Savin")
        #expect(Derivations.creditLine(credit: ["creator": "", "source": nil]) == nil)
        #expect(Derivations.creditLine(credit: ["creator": 5, "license": "CC BY-SA 4.0"]) == nil)
    }

    @Test func mediaIsPresentedWithItsDerivedCreditLine() {
        let media = object(#"{"uri": "a.jpg", "kind": "image", "credit": {"creator": "A.Savin", "source": "Wikimedia Commons"}}"#)
        let presented = Derivations.presenting(media, type: .media)
        #expect(presented["credit"]?["creditLine"] == "A.Savin / Wikimedia Commons")
        #expect(presented["credit"]?["creator"] == "A.Savin")
        #expect(presented["uri"] == "a.jpg")
    }

    @Test func anExplicitCreditLineWins() {
        let media = object(#"{"uri": "a.jpg", "credit": {"creator": "A.Savin", "creditLine": "Photo: A.Savin (CC BY-SA)"}}"#)
        #expect(Derivations.presenting(media, type: .media) == media)
        let blank = object(#"{"uri": "a.jpg", "credit": {"creator": "A.Savin", "creditLine": " "}}"#)
        #expect(Derivations.presenting(blank, type: .media)["credit"]?["creditLine"] == "A.Savin")
    }

    @Test func withoutCreatorOrSourceNothingIsAdded() {
        let bare = object(#"{"uri": "a.jpg"}"#)
        #expect(Derivations.presenting(bare, type: .media) == bare)
        let licensed = object(#"{"uri": "a.jpg", "credit": {"license": "CC0"}}"#)
        #expect(Derivations.presenting(licensed, type: .media) == licensed)
    }

    @Test func articlesAndLinksArePresentedAsStored() {
        let article = object(#"{"headline": "H", "readingMinutes": 1, "credit": {"creator": "X"}}"#)
        #expect(Derivations.presenting(article, type: .article) == article)
        let link = object(#"{"fromId": "\#(articleID)", "toId": "\#(otherArticleID)", "kind": "related", "position": 0}"#)
        #expect(Derivations.presenting(link, type: .link) == link)
    }
}
