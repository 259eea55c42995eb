import GalleyModel
import JSONRPC
import Testing

/// What the applier derives when it writes an article: the reading time follows the body, and
/// references in the body are stored in their canonical lowercase form.
@Suite struct ApplierDerivationTests {
    private var content = InMemoryContent()

    private mutating func commit(_ ops: [JSONValue]) throws -> [EntityState] {
        let parsed = try ops.enumerated().map { try ChangesetOp.parse($1, index: $0).get() }
        let seq = self.content.head + 1
        let outcome = try ChangesetApplier.apply(parsed, reader: self.content, seq: seq, author: "t", committedAt: "2026-11-29T08:00:00Z")
        self.content.commit(outcome, seq: seq)
        return outcome.finalStates
    }

    private static func body(words: Int) -> JSONValue {
        ["type": "paragraph", "text": .string(Array(repeating: "word", count: words).joined(separator: " "))]
    }

    @Test mutating func readingTimeFollowsTheBodyAcrossEdits() throws {
        let id = "00000000-0000-7000-9000-000000000001"
        let created = try self.commit([["op": "create", "type": "article", "id": .string(id), "data": ["headline": "H", "body": [Self.body(words: 500)]]]])
        #expect(created.first?.data["readingMinutes"] == 3)
        // An edit elsewhere keeps the reading time the body gives.
        let retitled = try self.commit([["op": "update", "type": "article", "id": .string(id), "set": ["subheadline": "S"]]])
        #expect(retitled.first?.data["readingMinutes"] == 3)
        // A new body gives a new reading time, and so does emptying it.
        let rewritten = try self.commit([["op": "update", "type": "article", "id": .string(id), "set": ["body": [Self.body(words: 1_400)]]]])
        #expect(rewritten.first?.data["readingMinutes"] == 7)
        let emptied = try self.commit([["op": "update", "type": "article", "id": .string(id), "set": ["body": []]]])
        #expect(emptied.first?.data["readingMinutes"] == 1)
    }

    @Test mutating func mediaIdsInTheBodyAreStoredLowercase() throws {
        let photo = "00000000-0000-7000-9000-00000000000a"
        let id = "00000000-0000-7000-9000-000000000002"
        _ = try self.commit([
            ["op": "create", "type": "media", "id": .string(photo), "data": ["uri": "https://example.org/a.jpg", "kind": "image", "credit": ["creator": "A", "source": "B"]]],
            ["op": "create", "type": "article", "id": .string(id), "data": ["headline": "H", "body": [["type": "media", "mediaId": .string(photo.uppercased())]]]],
        ])
        #expect(try self.content.entity(id)?.data["body"] == [["type": "media", "mediaId": .string(photo)]])
        let edited = try self.commit([
            ["op": "update", "type": "article", "id": .string(id), "set": ["body": [Self.body(words: 3), ["type": "media", "mediaId": .string(photo.uppercased())]]]]
        ])
        #expect(edited.first?.data["body"] == [Self.body(words: 3), ["type": "media", "mediaId": .string(photo)]])
    }
}
