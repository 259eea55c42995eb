import Foundation
import JSONRPC
import NIOCore

/// One-op update changesets from C connections with D in flight each, every in-flight slot on
/// its own article (C x D distinct articles), on a server with group commit and, for comparison,
/// one started with `--no-group-commit`. Every reply is a durable commit (synchronous=FULL).
enum WriteScenario: Scenario {
    static let name = "write"

    static func run(_ bench: Bench) async throws -> Report {
        let options = bench.options
        let articles = options.connections * options.depth
        var report = Report(
            scenario: Self.name,
            parameters: bench.loadParameters(["articles": .number(JSONNumber(articles)), "synchronous": "full"])
        )
        Report.progress("group commit on")
        let grouped = try await Self.measure(bench, galleydArguments: [])
        report.figures["groupCommit"] = .object(grouped.figures)
        report.say(grouped.line("group commit:    ", unit: "changesets/s"))
        guard options.server == nil else {
            report.figures["noGroupCommit"] = "n/a"
            report.figures["ratio"] = "n/a"
            report.say("without group commit: n/a (needs a galleyd started by galley-bench)")
            return report
        }
        Report.progress("group commit off (--no-group-commit)")
        let single = try await Self.measure(bench, galleydArguments: ["--no-group-commit"])
        let ratio = single.perSecond > 0 ? grouped.perSecond / single.perSecond : 0
        report.figures["noGroupCommit"] = .object(single.figures)
        report.figures["ratio"] = Report.number(ratio, decimals: 2)
        report.say(single.line("no group commit: ", unit: "changesets/s"))
        report.say(String(format: "group commit / no group commit = %.2fx", ratio))
        return report
    }

    private static func measure(_ bench: Bench, galleydArguments: [String]) async throws -> LoadResult {
        let options = bench.options
        let content = bench.content
        let depth = options.depth
        return try await bench.withServer(galleydArguments: galleydArguments) { server in
            _ = try await bench.seedArticles(options.connections * depth, on: server)
            return try await bench.withConnections(options.connections, to: server, depth: depth) { connections in
                try await bench.measure(connections, on: server) { connection in
                    UpdateSource(content: content, connection: connection, depth: depth)
                }
            }
        }
    }
}

/// `changeset.commit` of one update op: in-flight slot `s` of connection `c` always edits
/// article `c * depth + s`, so no two changesets in flight touch the same article.
final class UpdateSource: RequestSource {
    private let articleIDs: [String]
    private var random: SeededGenerator
    private var edits = 0
    private static let method = Array(#","method":"changeset.commit","params":{"id":""#.utf8)
    private static let beforeArticle = Array(#"","message":"bench: desk edit","ops":[{"op":"update","type":"article","id":""#.utf8)
    private static let beforeText = Array(#"","set":{"subheadline":"Updated by the desk, edit "#.utf8)
    private static let end = Array(#""}}]}}"#.utf8 + [UInt8(ascii: "\n")])

    init(content: ContentGenerator, connection: Int, depth: Int) {
        self.articleIDs = (0..<depth).map { content.articleID(connection * depth + $0) }
        self.random = SeededGenerator(seed: content.seed ^ content.nonce, stream: 50, index: connection)
    }

    func writeRequest(id: Int, slot: Int, into buffer: inout ByteBuffer) -> Bool {
        self.edits += 1
        buffer.writeBytes(RequestBytes.head)
        RequestBytes.writeDigits(id, into: &buffer)
        buffer.writeBytes(Self.method)
        buffer.writeString(BenchUUID.v4(random: &self.random))
        buffer.writeBytes(Self.beforeArticle)
        buffer.writeString(self.articleIDs[slot])
        buffer.writeBytes(Self.beforeText)
        RequestBytes.writeDigits(self.edits, into: &buffer)
        buffer.writeBytes(Self.end)
        return true
    }
}
