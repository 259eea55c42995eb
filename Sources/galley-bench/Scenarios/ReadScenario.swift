import Foundation
import JSONRPC

/// `article.get {id}` over randomly chosen seeded articles, and `server.ping` on the same
/// connections in the same run, so the ratio compares like with like.
///
/// Every seeded article is read once before the measured phases ("first reads", timed and
/// reported on their own): a server may answer the first read of an article from its store and
/// later ones from memory, and the measured phase is about the later ones. Without that pass the
/// first reads fell partly in the one-second warm-up and partly in the measured window, by how
/// fast the host was that day: on 2026-12-07 the ~2.6% of reads that were first reads (25-100 ms
/// each behind one another, in galleyd's own request histogram) made the whole p99.
enum ReadScenario: Scenario {
    static let name = "read"

    static func run(_ bench: Bench) async throws -> Report {
        let options = bench.options
        let count = options.readArticles
        var report = Report(scenario: Self.name, parameters: bench.loadParameters(["articles": .number(JSONNumber(count))]))
        let content = bench.content
        let (seeding, firstReads, ping, read) = try await bench.withServer { server in
            Report.progress("seeding \(count) articles (photo, story, 0-5 links each; one changeset.commit per story)")
            let seeding = try await bench.seedArticles(count, on: server)
            let tails = (0..<count).map { index in
                RequestBytes.tail(method: "article.get", params: #"{"id":""# + content.articleID(index) + #""}"#)
            }
            return try await bench.withConnections(options.connections, to: server, depth: options.depth) { connections in
                // One read outside the load: the seeded article must come back whole.
                let article = try await connections[0].call("article.get", params: #"{"id":""# + content.articleID(count - 1) + #""}"#)
                guard article["headline"]?.stringValue != nil,
                    options.plainArticles || article["leadMedia"]?["credit"]?["creditLine"]?.stringValue != nil
                else {
                    throw BenchError("article.get did not return the seeded article (with its credited lead photo)")
                }
                Report.progress("first read of every article")
                let firstReads = try await bench.seed(connections, count: count, doing: "reading each article once:") { tails[$0] }
                Report.progress("server.ping")
                let ping = try await bench.measure(connections, on: server) { _ in RepeatingSource(method: "server.ping") }
                Report.progress("article.get")
                let read = try await bench.measure(connections, on: server) { connection in
                    RandomPickSource(tails: tails, seed: options.seed &+ UInt64(connection))
                }
                return (seeding, firstReads, ping, read)
            }
        }
        let ratio = ping.perSecond > 0 ? read.perSecond / ping.perSecond : 0
        report.figures = read.figures
        report.figures["ping"] = [
            "requestsPerSecond": Report.number(ping.perSecond, decimals: 0),
            "latencyMs": ping.latencyJSON,
            "serverCpuSecondsPer1000": ping.cpuPerThousand.map { Report.number($0, decimals: 4) } ?? .string("n/a"),
        ]
        report.figures["readToPingRatio"] = Report.number(ratio, decimals: 3)
        report.figures["seedingSeconds"] = Report.number(seeding, decimals: 2)
        report.figures["firstReadSeconds"] = Report.number(firstReads, decimals: 2)
        report.say("seeded \(Report.grouped(Double(count))) articles in \(Report.seconds(seeding)) (\(Report.grouped(Double(count) / max(seeding, 0.001))) articles/s)")
        report.say("read each article once in \(Report.seconds(firstReads)) (\(Report.grouped(Double(count) / max(firstReads, 0.001))) req/s), before the measured runs")
        report.say(ping.line("server.ping"))
        report.say(read.line("article.get"))
        report.say(String(format: "article.get / server.ping = %.1f%%", ratio * 100))
        return report
    }
}
