import JSONRPC

/// Newsroom content made up on the spot and deterministic for a seed: articles of 300 to 1,500
/// words with headings and quotes, a credited lead photo each, and 0 to 5 related-story links.
///
/// Article `index` depends only on the seed and the index (never on generation order), so any
/// connection can build any article. Ids and slugs also carry a per-run nonce, so a second run
/// against the same `--server` does not collide with the first.
struct ContentGenerator: Sendable {
    let seed: UInt64
    let nonce: UInt64

    /// 2026-01-01T00:00:00Z: the time part of the generated v7 ids (plus the index, in ms).
    private static let epochMilliseconds: UInt64 = 1_767_225_600_000

    /// The id of article `index` (deterministic for the seed and nonce).
    func articleID(_ index: Int) -> String {
        var random = SeededGenerator(seed: self.seed ^ self.nonce, stream: 1, index: index)
        return BenchUUID.v7(milliseconds: Self.epochMilliseconds + UInt64(index) * 2, random: &random)
    }

    /// The id of article `index`'s lead photo.
    func mediaID(_ index: Int) -> String {
        var random = SeededGenerator(seed: self.seed ^ self.nonce, stream: 2, index: index)
        return BenchUUID.v7(milliseconds: Self.epochMilliseconds + UInt64(index) * 2 + 1, random: &random)
    }

    /// A fresh changeset id for item `index` of stream `stream` (one stream per seeding pass).
    func changesetID(stream: UInt64, index: Int) -> String {
        var random = SeededGenerator(seed: self.seed ^ self.nonce, stream: 100 + stream, index: index)
        return BenchUUID.v4(random: &random)
    }

    /// The ops that publish article `index`: its photo, the article leading with it, and links
    /// to `0...5` articles chosen among `linkTargets` (indices already committed). `plain` keeps
    /// only the article create (same text, no photo, no links), for servers that have articles only.
    func articleOps(_ index: Int, linkTargets: Range<Int>, plain: Bool = false) -> [JSONValue] {
        var random = SeededGenerator(seed: self.seed, stream: 3, index: index)
        let words = Int.random(in: 300...1500, using: &random)
        let articleID = self.articleID(index)
        let mediaID = self.mediaID(index)
        let headline = Self.headline(using: &random)
        let photographer = Self.person(using: &random)
        let source = Self.agencies.randomElement(using: &random)!
        let license = Self.licenses.randomElement(using: &random)!
        let media: JSONObject = [
            "kind": "image",
            "uri": .string("https://images.galley.example/bench/\(self.seed)/\(index).jpg"),
            "caption": .string(Self.sentence(words: Int.random(in: 8...16, using: &random), using: &random)),
            "altText": .string(Self.sentence(words: Int.random(in: 6...12, using: &random), using: &random)),
            "width": .number(JSONNumber(Int.random(in: 1200...6000, using: &random))),
            "height": .number(JSONNumber(Int.random(in: 800...4000, using: &random))),
            "credit": [
                "creator": .string(photographer),
                "source": .string(source),
                "license": .string(license.name),
                "licenseUrl": .string(license.url),
            ],
        ]
        let slugWords = headline.lowercased()
            .split(whereSeparator: { !($0.isASCII && ($0.isLetter || $0.isNumber)) })
            .prefix(8).joined(separator: "-").prefix(90)
        let slug = "\(slugWords.hasSuffix("-") ? String(slugWords.dropLast()) : String(slugWords))-\(String(self.nonce & 0xFFFFFF, radix: 36))-\(index)"
        var article: JSONObject = [
            "slug": .string(slug),
            "headline": .string(headline),
            "subheadline": .string(Self.sentence(words: Int.random(in: 10...20, using: &random), using: &random)),
            "section": .string(Self.sections.randomElement(using: &random)!),
            "tags": .array(Self.tags(using: &random).map { .string($0) }),
            "bylines": [["name": .string(Self.person(using: &random)), "role": .string(Self.roles.randomElement(using: &random)!)]],
            "body": .array(Self.body(words: words, using: &random)),
            "status": "published",
            "leadMediaId": .string(mediaID),
        ]
        if Bool.random(using: &random) {
            article["bylines"] = .array(
                (article["bylines"]?.arrayValue ?? []) + [["name": .string(Self.person(using: &random)), "role": "Contributor"]]
            )
        }
        if plain {
            article["leadMediaId"] = nil
            return [["op": "create", "type": "article", "id": .string(articleID), "data": .object(article)]]
        }
        var ops: [JSONValue] = [
            ["op": "create", "type": "media", "id": .string(mediaID), "data": .object(media)],
            ["op": "create", "type": "article", "id": .string(articleID), "data": .object(article)],
        ]
        let linkCount = linkTargets.isEmpty ? 0 : min(Int.random(in: 0...5, using: &random), linkTargets.count)
        var chosen: Set<Int> = []
        while chosen.count < linkCount {
            chosen.insert(Int.random(in: linkTargets, using: &random))
        }
        for target in chosen.sorted() {
            ops.append([
                "op": "create", "type": "link",
                "data": [
                    "fromId": .string(articleID),
                    "toId": .string(self.articleID(target)),
                    "kind": .string(Self.linkKinds.randomElement(using: &random)!),
                ],
            ])
        }
        return ops
    }

    /// A short article (one paragraph, no photo) for histories of many small changesets.
    func smallArticleOp(_ index: Int, stream: UInt64) -> JSONValue {
        var random = SeededGenerator(seed: self.seed, stream: 10 + stream, index: index)
        let headline = Self.headline(using: &random)
        return [
            "op": "create", "type": "article", "id": .string(self.smallArticleID(index, stream: stream)),
            "data": [
                "slug": .string("brief-\(String(self.nonce & 0xFFFFFF, radix: 36))-\(stream)-\(index)"),
                "headline": .string(headline),
                "section": .string(Self.sections.randomElement(using: &random)!),
                "body": [["type": "paragraph", "text": .string(Self.sentence(words: Int.random(in: 30...60, using: &random), using: &random))]],
            ],
        ]
    }

    func smallArticleID(_ index: Int, stream: UInt64) -> String {
        var random = SeededGenerator(seed: self.seed ^ self.nonce, stream: 20 + stream, index: index)
        return BenchUUID.v7(milliseconds: Self.epochMilliseconds + UInt64(index), random: &random)
    }

    // MARK: - Text

    static func body(words: Int, using random: inout SeededGenerator) -> [JSONValue] {
        var blocks: [JSONValue] = []
        var written = 0
        var sinceHeading = 0
        while written < words {
            let roll = Int.random(in: 0..<100, using: &random)
            if sinceHeading >= 3 && roll < 25 {
                let text = Self.title(words: Int.random(in: 3...6, using: &random), using: &random)
                blocks.append(["type": "heading", "text": .string(text), "level": .number(JSONNumber(roll < 20 ? 2 : 3))])
                written += text.split(separator: " ").count
                sinceHeading = 0
            } else if roll < 35 && !blocks.isEmpty {
                let count = min(Int.random(in: 15...40, using: &random), max(5, words - written))
                blocks.append([
                    "type": "quote",
                    "text": .string(Self.sentence(words: count, using: &random)),
                    "attribution": .string("\(Self.person(using: &random)), \(Self.roles.randomElement(using: &random)!.lowercased())"),
                ])
                written += count
            } else {
                var sentences: [String] = []
                for _ in 0..<Int.random(in: 2...5, using: &random) where written < words {
                    let count = min(Int.random(in: 8...24, using: &random), max(4, words - written))
                    sentences.append(Self.sentence(words: count, using: &random))
                    written += count
                }
                blocks.append(["type": "paragraph", "text": .string(sentences.joined(separator: " "))])
                sinceHeading += 1
            }
        }
        return blocks
    }

    static func sentence(words count: Int, using random: inout SeededGenerator) -> String {
        var words: [String] = []
        words.reserveCapacity(count)
        for position in 0..<count {
            var word = Self.vocabulary.randomElement(using: &random)!
            if position == 0 { word = word.prefix(1).uppercased() + word.dropFirst() }
            if position > 2 && position < count - 2 && Int.random(in: 0..<12, using: &random) == 0 { word += "," }
            words.append(word)
        }
        return words.joined(separator: " ") + "."
    }

    static func title(words count: Int, using random: inout SeededGenerator) -> String {
        (0..<count).map { _ in
            let word = Self.vocabulary.randomElement(using: &random)!
            return word.prefix(1).uppercased() + word.dropFirst()
        }.joined(separator: " ")
    }

    static func headline(using random: inout SeededGenerator) -> String {
        "\(Self.places.randomElement(using: &random)!) \(Self.sentence(words: Int.random(in: 5...10, using: &random), using: &random).dropLast())"
    }

    static func person(using random: inout SeededGenerator) -> String {
        "\(Self.firstNames.randomElement(using: &random)!) \(Self.lastNames.randomElement(using: &random)!)"
    }

    static func tags(using random: inout SeededGenerator) -> [String] {
        var tags: [String] = []
        for _ in 0..<Int.random(in: 1...5, using: &random) {
            let tag = Self.tagWords.randomElement(using: &random)!
            if !tags.contains(tag) { tags.append(tag) }
        }
        return tags
    }

    // MARK: - Word lists

    static let vocabulary: [String] = """
        the council said on monday that its budget would fund new housing near river district while \
        officials warned costs could rise after flooding residents gathered outside city hall to demand \
        answers about delays in repairs minister told reporters negotiations continue despite deep \
        disagreement over water rights election campaign entered final week with candidates touring \
        factories schools and hospitals analysts expect turnout to exceed previous record police \
        confirmed investigation into fire that destroyed warehouse overnight no injuries were reported \
        court ruled against company appeal ordering payment of damages to former workers market \
        shares fell sharply as investors weighed inflation data central bank signalled cautious \
        approach researchers published study showing coastal erosion accelerating faster than models \
        predicted farmers struggle with drought harvest expected below average for third year \
        government announced plan to expand rail network connecting northern towns by decade end \
        union leaders called strike after talks collapsed over pensions and working hours teachers \
        parents students museum reopened after renovation drawing crowds eager to see restored \
        paintings festival organisers expect thousands visitors this summer despite concerns about \
        heat health authorities urged people to stay indoors during afternoon hours emergency \
        services responded quickly to storm damage across region power was restored to most homes \
        by evening talks between delegations lasted under two hours agreement on prisoner exchange \
        humanitarian corridor ceasefire monitoring mission reported progress although critics \
        remained sceptical about lasting peace mayor promised review of transport fares following \
        protests commuters complained about crowded trains late buses and broken escalators
        """.split(separator: " ").map(String.init)

    static let places = [
        "Istanbul:", "Kyiv:", "Lagos:", "Lima:", "Manila:", "Nairobi:", "Oslo:", "Porto:", "Quito:", "Seoul:",
        "Tbilisi:", "Vilnius:", "Warsaw:", "Zagreb:", "Athens:", "Bogotá:", "Cork:", "Dhaka:", "Gdańsk:", "Hanoi:",
    ]
    static let firstNames = [
        "Anna", "Bilal", "Chiara", "Dmytro", "Elif", "Fatima", "Gustavo", "Hana", "Ivan", "Jana", "Kofi", "Lucía",
        "Marek", "Nadia", "Olu", "Pilar", "Ravi", "Sofia", "Tomás", "Yara",
    ]
    static let lastNames = [
        "Kovalenko", "Savin", "Okafor", "Yilmaz", "Novak", "Haddad", "Moreno", "Tanaka", "Petrov", "Schmidt",
        "Mensah", "García", "Nowak", "Rahman", "Ibsen", "Silva", "Costa", "Lindqvist", "Demir", "Ferreira",
    ]
    static let roles = ["Staff writer", "Correspondent", "Political editor", "Economics reporter", "Photographer", "Spokesperson", "Analyst"]
    static let agencies = ["Wikimedia Commons", "Reuters", "Associated Press", "AFP", "Galley Staff", "Getty Images", "EPA"]
    static let licenses: [(name: String, url: String)] = [
        ("CC BY-SA 4.0", "https://creativecommons.org/licenses/by-sa/4.0/"),
        ("CC BY 4.0", "https://creativecommons.org/licenses/by/4.0/"),
        ("All rights reserved", "https://images.galley.example/terms"),
    ]
    static let sections = ["world", "politics", "business", "science", "culture", "sport", "local", "opinion"]
    static let tagWords = [
        "diplomacy", "elections", "climate", "transport", "housing", "health", "courts", "economy", "energy",
        "education", "culture", "weather", "labour", "security", "technology",
    ]
    static let linkKinds = ["related", "related", "related", "follow-up", "background"]
}
