import GalleyModel
import JSONRPC
import Testing

@testable import GalleyCLI

/// `galley import` splits by bytes as well as ops, so long articles never exceed the server's
/// message limit (10,000 generated articles of 6-10 KB would be ~80 MB in one changeset).
struct ImportChunkingTests {
    static func planned(_ count: Int, bodyBytes: Int) -> [Importer.PlannedOp] {
        (0..<count).map { index in
            let entry = Importer.Entry(line: index + 2, type: .article, id: "id-\(index)", data: [:])
            let op: JSONValue = ["op": "create", "type": "article", "id": .string("id-\(index)"), "data": ["headline": .string(String(repeating: "x", count: bodyBytes))]]
            return Importer.PlannedOp(entry: entry, kind: .create, op: op)
        }
    }

    @Test func chunksRespectBothTheOpAndTheByteLimitAndKeepOrder() {
        let ops = Self.planned(100, bodyBytes: 1_000)
        let byBytes = Importer.chunked(ops, maximumOps: 10_000, maximumBytes: 10_000)
        #expect(byBytes.count >= 10 && byBytes.count <= 12)
        #expect(byBytes.allSatisfy { chunk in chunk.map { JSONWriter.bytes($0.op).count + 1 }.reduce(0, +) <= 10_000 })
        #expect(byBytes.flatMap { $0 }.map(\.entry.id) == ops.map(\.entry.id))
        let byOps = Importer.chunked(ops, maximumOps: 30, maximumBytes: .max)
        #expect(byOps.map(\.count) == [30, 30, 30, 10])
        let oversized = Importer.chunked(Self.planned(3, bodyBytes: 50_000), maximumOps: 10, maximumBytes: 10_000)
        #expect(oversized.map(\.count) == [1, 1, 1], "an op over the byte limit still goes, alone")
    }
}
