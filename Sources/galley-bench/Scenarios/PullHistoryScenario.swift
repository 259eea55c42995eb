import Foundation
import JSONRPC

/// `sync.pull` of the last 1,000 changes (a cursor taken 1,000 changesets before the head)
/// with a short history and a long one, on the same server: the long one is the short one
/// plus more. The history is one-op changesets: creates of a pool of 1,000 small articles, then
/// updates cycling over the pool; the last 1,000 before each measurement create new articles,
/// so each measured page holds 1,000 entities. A page should cost the same however long the
/// history is; the ratio of the medians says how far it does.
enum PullHistoryScenario: Scenario {
    static let name = "pull-history"
    static let pageChanges = 1_000
    static let poolSize = 1_000

    struct Measurement {
        var history: Int
        var head: Int
        var items: Int
        var pull: LoadResult
    }

    static func run(_ bench: Bench) async throws -> Report {
        let options = bench.options
        let short = max(options.shortHistoryLength, Self.pageChanges)
        let long = max(options.longHistoryLength, short)
        var report = Report(
            scenario: Self.name,
            parameters: bench.loadParameters([
                "shortHistory": .number(JSONNumber(short)),
                "longHistory": .number(JSONNumber(long)),
                "pageChanges": .number(JSONNumber(Self.pageChanges)),
                "seedBudgetSeconds": Report.number(options.seedBudget, decimals: 0),
            ])
        )
        let outcome = try await bench.withServer { server in
            try await bench.withConnections(16, to: server, depth: 48) { seeders in
                var seeded = 0
                var historyItems = 0
                var seedingSeconds = 0.0
                var measurements: [Measurement] = []
                var capped: Int?
                for (round, wanted) in [short, long].enumerated() {
                    var target = wanted - Self.pageChanges
                    let roundStart = ContinuousClock.now
                    while seeded < target {
                        let chunk = min(target - seeded, 50_000)
                        Report.progress("history \(Report.grouped(Double(seeded))) -> \(Report.grouped(Double(seeded + chunk))) changesets")
                        let offset = historyItems
                        seedingSeconds += try await bench.seed(seeders, count: chunk) { item in
                            Self.historyTail(bench.content, index: offset + item)
                        }
                        seeded += chunk
                        historyItems += chunk
                        // Stay within the budget: project the rest at the rate so far.
                        let elapsed = Bench.seconds(since: roundStart)
                        let rate = Double(seeded) / max(seedingSeconds, 0.001)
                        if round == 1, seeded < target, elapsed + Double(target - seeded) / rate > options.seedBudget {
                            let reachable = seeded + Int(rate * max(0, options.seedBudget - elapsed))
                            let newTarget = max(seeded, (reachable + Self.pageChanges) / 10_000 * 10_000 - Self.pageChanges)
                            if newTarget < target {
                                target = newTarget
                                capped = target + Self.pageChanges
                                Report.progress("seeding at \(Report.grouped(rate))/s cannot reach \(Report.grouped(Double(wanted))) within \(Int(options.seedBudget)) s; capping at \(Report.grouped(Double(capped!)))")
                            }
                        }
                    }
                    let cursor = try await Self.logCursor(seeders[0])
                    let offset = round * Self.pageChanges
                    seedingSeconds += try await bench.seed(seeders, count: Self.pageChanges) { item in
                        let op = bench.content.smallArticleOp(offset + item, stream: 2)
                        return Self.commitTail(bench.content, index: 2_000_000_000 + offset + item, op: op)
                    }
                    seeded += Self.pageChanges
                    let params = JSONWriter.string(["cursor": .string(cursor), "limit": .number(JSONNumber(Self.pageChanges))])
                    let page = try await seeders[0].call("sync.pull", params: params)
                    let items = page["items"]?.arrayValue?.count ?? 0
                    let head = page["head"]?.intValue ?? 0
                    Report.progress("sync.pull of the last \(Self.pageChanges) changes at head \(Report.grouped(Double(head))) (\(items) entities a page)")
                    let pull = try await bench.withConnections(1, to: server, depth: 1) { puller in
                        try await bench.measure(puller, on: server) { _ in RepeatingSource(method: "sync.pull", params: params) }
                    }
                    measurements.append(Measurement(history: seeded, head: head, items: items, pull: pull))
                }
                return (measurements, seedingSeconds, seeded, capped, server.databaseBytes)
            }
        }
        let (measurements, seedingSeconds, seeded, capped, databaseBytes) = outcome
        let ratio = measurements[1].pull.latencyMilliseconds(50) / max(measurements[0].pull.latencyMilliseconds(50), 0.001)
        report.say(
            "seeded \(Report.grouped(Double(seeded))) one-op changesets in \(Report.seconds(seedingSeconds)) "
                + "(\(Report.grouped(Double(seeded) / max(seedingSeconds, 0.001))) changesets/s), database \(Report.megabytes(databaseBytes))"
        )
        if let capped {
            report.say("the long history was capped at \(Report.grouped(Double(capped))) changesets: seeding \(Report.grouped(Double(long))) would exceed the \(Int(options.seedBudget)) s budget")
        }
        for (label, measurement) in zip(["short", "long"], measurements) {
            report.say(measurement.pull.line("\(label) history (\(Report.grouped(Double(measurement.history))) changesets, \(measurement.items) entities a page):", unit: "pulls/s"))
            report.figures[label + "History"] = [
                "changesets": .number(JSONNumber(measurement.history)),
                "head": .number(JSONNumber(measurement.head)),
                "entitiesPerPage": .number(JSONNumber(measurement.items)),
                "pullsPerSecond": Report.number(measurement.pull.perSecond, decimals: 1),
                "latencyMs": measurement.pull.latencyJSON,
                "serverCpuSecondsPer1000": measurement.pull.cpuPerThousand.map { Report.number($0, decimals: 4) } ?? .string("n/a"),
            ]
        }
        report.say(String(format: "median page time, long / short = %.2f", ratio))
        report.figures["ratio"] = Report.number(ratio, decimals: 3)
        report.figures["seedingSeconds"] = Report.number(seedingSeconds, decimals: 1)
        report.figures["seededChangesets"] = .number(JSONNumber(seeded))
        report.figures["longHistoryCapped"] = .bool(capped != nil)
        return report
    }

    /// History changeset `index`: a create of pool article `index` for the first 1,000, then
    /// an update of pool article `index % 1,000`.
    static func historyTail(_ content: ContentGenerator, index: Int) -> [UInt8] {
        let op: JSONValue
        if index < Self.poolSize {
            op = content.smallArticleOp(index, stream: 1)
        } else {
            op = [
                "op": "update", "type": "article", "id": .string(content.smallArticleID(index % Self.poolSize, stream: 1)),
                "set": ["subheadline": .string("Revision \(index / Self.poolSize) of the brief")],
            ]
        }
        return Self.commitTail(content, index: index, op: op)
    }

    static func commitTail(_ content: ContentGenerator, index: Int, op: JSONValue) -> [UInt8] {
        let params: JSONValue = [
            "id": .string(content.changesetID(stream: 3, index: index)),
            "message": "bench: history",
            "ops": [op],
        ]
        return RequestBytes.tail(method: "changeset.commit", params: JSONWriter.string(params))
    }

    /// A log cursor at the current head, the way a client gets one: pull a snapshot to its end.
    static func logCursor(_ connection: LoadConnection) async throws -> String {
        var cursor: String?
        while true {
            var params: JSONObject = ["limit": 5000]
            if let cursor { params["cursor"] = .string(cursor) }
            let page = try await connection.call("sync.pull", params: JSONWriter.string(.object(params)))
            guard let next = page["cursor"]?.stringValue else { throw BenchError("sync.pull returned no cursor") }
            cursor = next
            if page["consistentAt"]?.intValue != nil { return next }
        }
    }
}
