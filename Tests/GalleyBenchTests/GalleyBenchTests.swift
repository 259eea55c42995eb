import GalleyModel
import JSONRPC
import NIOCore
import Testing

@testable import galley_bench

/// The load client reads replies only as far as it must; these pin down what it must get right.
@Suite struct ReplyScanning {
    func scan<T>(_ text: String, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        Array(text.utf8).withUnsafeBytes(body)
    }

    @Test func theIdIsTheFirstNumericIdMemberWhereverItStands() {
        #expect(scan(#"{"jsonrpc":"2.0","id":1234,"result":{"id":"0190a6e2"}}"#, LoadHandler.numericID) == 1234)
        #expect(scan(#"{"jsonrpc":"2.0","result":{"id":"0190a6e2","n":1},"id": 77}"#, LoadHandler.numericID) == 77)
        #expect(scan(#"{"jsonrpc":"2.0","id":null,"error":{"code":-32029}}"#, LoadHandler.numericID) == nil)
    }

    @Test func anErrorIsAnErrorMemberBeforeAnyResult() {
        #expect(scan(#"{"jsonrpc":"2.0","id":3,"error":{"code":-32009,"message":"conflict"}}"#, LoadHandler.isError))
        #expect(!scan(#"{"jsonrpc":"2.0","id":3,"result":{"text":"the \"error\": was quoted"}}"#, LoadHandler.isError))
        #expect(!scan(#"{"jsonrpc":"2.0","id":3,"result":{"error":1}}"#, LoadHandler.isError))
        #expect(scan(#"{"jsonrpc":"2.0","id":3,"error":{"code":-32602,"data":{"result":1}}}"#, LoadHandler.isError))
        #expect(scan(#"{"result":{"n":1},"error":{"code":1}}"#, LoadHandler.isError) == false)
    }

    @Test func requestsAreWrittenWithTheirIdDigits() {
        for id in [0, 7, 10, 1_234_567_890_123] {
            var buffer = ByteBufferAllocator().buffer(capacity: 64)
            RequestBytes.write(id: id, tail: RequestBytes.tail(method: "server.ping", params: nil), into: &buffer)
            let text = buffer.readString(length: buffer.readableBytes)
            #expect(text == #"{"jsonrpc":"2.0","id":\#(id),"method":"server.ping"}"# + "\n")
        }
    }
}

/// Generated content must be valid for the server (or seeding fails) and the same for a seed.
@Suite struct GeneratedContent {
    let content = ContentGenerator(seed: 42, nonce: 7)

    @Test func articlesPhotosAndLinksPassTheContentRules() throws {
        for index in 0..<40 {
            for op in content.articleOps(index, linkTargets: 0..<index) {
                let type = try #require(op["type"]?.stringValue.flatMap(EntityType.init(rawValue:)))
                let data = try #require(op["data"]?.objectValue)
                #expect(ContentRules.validateCreate(data, type: type, pathPrefix: "data").isEmpty, "article \(index) \(type)")
            }
        }
        let small = try #require(content.smallArticleOp(3, stream: 1)["data"]?.objectValue)
        #expect(ContentRules.validateCreate(small, type: .article, pathPrefix: "data").isEmpty)
    }

    @Test func articlesHaveThreeHundredToFifteenHundredWordsWithHeadingsAndQuotes() throws {
        var kinds = Set<String>()
        for index in 0..<40 {
            let ops = content.articleOps(index, linkTargets: 0..<index)
            let article = try #require(ops.first { $0["type"] == "article" }?["data"])
            let body = try #require(article["body"]?.arrayValue)
            let words = body.reduce(0) { total, block in
                total + Derivations.wordCount(block["text"]) + Derivations.wordCount(block["attribution"])
            }
            #expect((300...1_560).contains(words), "article \(index) has \(words) words")
            for block in body { if let type = block["type"]?.stringValue { kinds.insert(type) } }
            #expect((0...5).contains(ops.filter { $0["type"] == "link" }.count))
            let slug = try #require(article["slug"]?.stringValue)
            #expect(slug.count <= 120 && slug.wholeMatch(of: /[a-z0-9]+(-[a-z0-9]+)*/) != nil, "\(slug)")
        }
        #expect(kinds == ["paragraph", "heading", "quote"])
    }

    @Test func theSameSeedGivesTheSameContent() {
        let again = ContentGenerator(seed: 42, nonce: 7)
        let other = ContentGenerator(seed: 43, nonce: 7)
        #expect(content.articleOps(5, linkTargets: 0..<5) == again.articleOps(5, linkTargets: 0..<5))
        #expect(content.articleOps(5, linkTargets: 0..<5) != other.articleOps(5, linkTargets: 0..<5))
        #expect(content.articleOps(5, linkTargets: 0..<5, plain: true).count == 1)
    }

    @Test func generatedIdsAreLowercaseUUIDs() {
        var random = SeededGenerator(seed: 1)
        for id in [content.articleID(0), content.mediaID(9), BenchUUID.v4(random: &random)] {
            #expect(ContentRules.isUUID(id) && id == id.lowercased(), "\(id)")
        }
        #expect(content.articleID(0).dropFirst(14).first == "7", "article ids are version 7")
    }
}

/// clone and import report the CLI's peak memory against a target (200 MB for a 100,000-article
/// clone), so the figure must be the child's own, whatever galley-bench itself holds.
@Suite struct ChildPeakMemory {
    @Test func aChildsPeakIsItsOwnNotGalleyBenchs() async throws {
        // This process's peak goes past 300 MB; a spawned `sleep` needs a few MB. Linux starts a
        // vfork'd child's `ru_maxrss` at its parent's peak, so that figure alone would say 300+.
        let ballast = [UInt8](repeating: 1, count: 300 << 20)
        let exit = try await ChildProcess.run("/bin/sleep", ["0.3"], logPath: nil).peakResidentBytes
        #expect(ballast.count == 300 << 20)
        #expect(exit > 0 && exit < 50 << 20, "sleep's peak: \(exit) bytes")
    }
}
