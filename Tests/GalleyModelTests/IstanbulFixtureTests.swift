import Foundation
import GalleyModel
import JSONRPC
import Testing

/// The real published story in `../shared/fixtures` (beside the repository, not part of it).
enum IstanbulFixture {
    static let url: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath()
        .deletingLastPathComponent()  // GalleyModelTests
        .deletingLastPathComponent()  // Tests
        .deletingLastPathComponent()  // the repository
        .deletingLastPathComponent()  // its parent, which holds shared/
        .appending(path: "shared/fixtures/istanbul-talks.changeset.json")

    static var isPresent: Bool { FileManager.default.fileExists(atPath: Self.url.path) }

    static func ops() throws -> [JSONObject] {
        let bytes = try [UInt8](Data(contentsOf: Self.url))
        let changeset = try JSONParser.parse(bytes, maxDepth: 64)
        return (changeset["ops"]?.arrayValue ?? []).compactMap(\.objectValue)
    }
}

@Suite(.enabled(if: IstanbulFixture.isPresent, "../shared/fixtures is absent (it is not part of the repo)"))
struct IstanbulFixtureContent {
    @Test func everyCreateInTheFixtureIsValid() throws {
        let ops = try IstanbulFixture.ops()
        #expect(ops.count == 8)
        for (index, op) in ops.enumerated() {
            let type = try #require(op["type"]?.stringValue.flatMap(EntityType.init(rawValue:)))
            #expect(op["op"] == "create")
            let data = try #require(op["data"]?.objectValue)
            let errors = ContentRules.validateCreate(data, type: type, pathPrefix: "ops[\(index)].data")
            #expect(errors.isEmpty, "\(errors)")
            let document = ContentRules.applyingDefaults(data, type: type)
            #expect(ContentRules.validateDocument(document, type: type, pathPrefix: "ops[\(index)].data").isEmpty)
        }
    }

    @Test func theStoryReadsInTwoMinutes() throws {
        let story = try #require(
            try IstanbulFixture.ops().first { $0["data"]?["headline"]?.stringValue?.hasPrefix("Ukraine And Russia") == true })
        #expect(Derivations.readingMinutes(body: story["data"]?["body"]) == 2)
    }

    @Test func theStorySlugIsTheOneItsHeadlineDerives() throws {
        for op in try IstanbulFixture.ops() where op["type"] == "article" {
            let headline = try #require(op["data"]?["headline"]?.stringValue)
            #expect(op["data"]?["slug"]?.stringValue == Derivations.slug(fromHeadline: headline))
        }
    }

    @Test func thePhotoIsCreditedToASavinAndWikimediaCommons() throws {
        let media = try #require(try IstanbulFixture.ops().first { $0["type"] == "media" })
        let data = ContentRules.applyingDefaults(try #require(media["data"]?.objectValue), type: .media)
        let presented = Derivations.presenting(data, type: .media)
        #expect(presented["credit"]?["creditLine"] == "A.Savin / Wikimedia Commons")
        #expect(data["credit"]?["creditLine"] == nil)
    }
}
