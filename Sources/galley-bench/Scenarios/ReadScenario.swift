import Foundation
import JSONRPC

/// `article.get {id}` over randomly chosen seeded articles, and `server.ping` on the same
/// connections in the same run, so the ratio compares like with like.
enum ReadScenario: Scenario {
    static let name = "read"

    static func run(_ bench: Bench) async throws -> Report {
        let options = bench.options
        let count = options.readArticles
        var report = Report(scenario: Self.name, parameters: bench.loadParameters(["articles": .number(JSONNumber(count))]))
        let content = bench.content
        let (seeding, ping, read) = try await bench.withServer { server in
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
                Report.progress("server.ping")
                let ping = try await bench.measure(connections, on: server) { _ in RepeatingSource(method: "server.ping") }
                Report.progress("article.get")
                let read = try await bench.measure(connections, on: server) { connection in
                    RandomPickSource(tails: tails, seed: options.seed &+ UInt64(connection))
                }
                return (seeding, ping, read)
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
        report.say("seeded \(Report.grouped(Double(count))) articles in \(Report.seconds(seeding)) (\(Report.grouped(Double(count) / max(seeding, 0.001))) articles/s)")
        report.say(ping.line("server.ping"))
        report.say(read.line("article.get"))
        report.say(String(format: "article.get / server.ping = %.1f%%", ratio * 100))
        return report
    }
}
