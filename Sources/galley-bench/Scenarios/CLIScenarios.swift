import Foundation
import JSONRPC

/// Whether the `galley` next to galley-bench has `command`: `galley COMMAND --help` exits 0 and
/// shows that command's own usage (ArgumentParser answers an unknown subcommand's `--help` with
/// the root help, also exiting 0).
func galleyHas(_ command: [String], bench: Bench) async -> Bool {
    guard FileManager.default.isExecutableFile(atPath: bench.options.galleyPath) else { return false }
    let output = NSTemporaryDirectory() + "galley-bench-probe-\(UUID().uuidString).txt"
    defer { try? FileManager.default.removeItem(atPath: output) }
    guard let exit = try? await ChildProcess.run(bench.options.galleyPath, command + ["--help"], logPath: output), exit.succeeded,
        let help = try? String(contentsOfFile: output, encoding: .utf8)
    else { return false }
    return help.contains("USAGE: galley \(command.joined(separator: " "))")
}

/// The parameters of the CLI scenarios (no load connections).
func cliParameters(_ bench: Bench, articles: Int) -> JSONObject {
    [
        "server": .string(bench.options.server ?? "galleyd started by galley-bench"),
        "articles": .number(JSONNumber(articles)),
        "seed": .number(JSONNumber(uncheckedText: String(bench.options.seed))),
        "quick": .bool(bench.options.quick),
    ]
}

/// The report of a scenario whose CLI command this build does not have yet.
func skippedReport(_ scenario: String, command: String, parameters: JSONObject) -> Report {
    var report = Report(scenario: scenario, parameters: parameters)
    report.skipped = true
    report.say("skipped: galley \(command) not available in this build")
    report.figures = ["reason": .string("galley \(command) not available in this build")]
    return report
}

/// `galley clone` of a server holding N seeded articles into a fresh replica: time,
/// articles/s, and the clone process's peak memory.
enum CloneScenario: Scenario {
    static let name = "clone"

    static func run(_ bench: Bench) async throws -> Report {
        let count = bench.options.cloneArticleCount
        let parameters = cliParameters(bench, articles: count)
        guard await galleyHas(["clone"], bench: bench) else {
            return skippedReport(Self.name, command: "clone", parameters: parameters)
        }
        var report = Report(scenario: Self.name, parameters: parameters)
        let (seeding, seconds, exit, serverCPU) = try await bench.withServer { server in
            Report.progress("seeding \(count) articles")
            let seeding = try await bench.seedArticles(count, on: server)
            let replica = NSTemporaryDirectory() + "galley-bench-replica-\(UUID().uuidString)"
            defer {
                try? FileManager.default.removeItem(atPath: replica)
                try? FileManager.default.removeItem(atPath: replica + ".log")
            }
            Report.progress("galley clone")
            let cpuBefore = server.cpuSeconds
            let start = ContinuousClock.now
            let exit = try await ChildProcess.run(
                bench.options.galleyPath, ["clone", server.address, replica, "--token", server.token], logPath: replica + ".log"
            )
            let seconds = Bench.seconds(since: start)
            let cpuAfter = server.cpuSeconds
            let serverCPU: Double? = if let cpuBefore, let cpuAfter { cpuAfter - cpuBefore } else { nil }
            guard exit.succeeded else {
                let log = (try? String(contentsOfFile: replica + ".log", encoding: .utf8)) ?? ""
                throw BenchError("galley clone exited with status \(exit.status): \(log.suffix(1000))")
            }
            return (seeding, seconds, exit, serverCPU)
        }
        report.say("seeded \(Report.grouped(Double(count))) articles in \(Report.seconds(seeding))")
        report.say("galley clone: \(Report.seconds(seconds)), \(Report.grouped(Double(count) / max(seconds, 0.001))) articles/s, peak memory \(Report.megabytes(exit.peakResidentBytes))")
        report.figures = [
            "seconds": Report.number(seconds, decimals: 2),
            "articlesPerSecond": Report.number(Double(count) / max(seconds, 0.001), decimals: 0),
            "peakMemoryMB": Report.number(Double(exit.peakResidentBytes) / 1_000_000, decimals: 1),
            "seedingSeconds": Report.number(seeding, decimals: 2),
            // Where the time goes, steadier than wall time on a shared machine: the clone's own
            // CPU (parse and write the pages) and galleyd's while it served them.
            "clientCpuSeconds": Report.number(exit.cpuSeconds, decimals: 2),
        ]
        if let serverCPU { report.figures["serverCpuSeconds"] = Report.number(serverCPU, decimals: 2) }
        report.say("CPU: galley clone \(Report.seconds(exit.cpuSeconds)), galleyd \(serverCPU.map(Report.seconds) ?? "unknown")")
        return report
    }
}

/// `galley import` of N articles from NDJSON into an empty server: articles/s, and the import
/// process's peak memory. The NDJSON is what `galley export` writes for a seeded server, so the
/// format is the CLI's own.
enum ImportScenario: Scenario {
    static let name = "import"

    static func run(_ bench: Bench) async throws -> Report {
        let count = bench.options.importArticleCount
        let parameters = cliParameters(bench, articles: count)
        guard await galleyHas(["import"], bench: bench), await galleyHas(["export"], bench: bench) else {
            return skippedReport(Self.name, command: "import", parameters: parameters)
        }
        guard bench.options.server == nil else {
            var report = skippedReport(Self.name, command: "import", parameters: parameters)
            report.summary = ["skipped: import needs two servers galley-bench starts itself (export from one, import into another)"]
            report.figures = ["reason": "needs servers started by galley-bench"]
            return report
        }
        var report = Report(scenario: Self.name, parameters: parameters)
        let file = NSTemporaryDirectory() + "galley-bench-\(UUID().uuidString).ndjson"
        defer { try? FileManager.default.removeItem(atPath: file) }
        try await bench.withServer { source in
            Report.progress("seeding \(count) articles and exporting them")
            _ = try await bench.seedArticles(count, on: source)
            let exit = try await ChildProcess.run(
                bench.options.galleyPath, ["export", "--server", source.address, "--token", source.token], logPath: file
            )
            guard exit.succeeded else { throw BenchError("galley export exited with status \(exit.status)") }
        }
        let (seconds, exit, serverCPU) = try await bench.withServer { target in
            Report.progress("galley import")
            let cpuBefore = target.cpuSeconds
            let start = ContinuousClock.now
            // Without a terminal the CLI does not ask for the message: a write must give it.
            let exit = try await ChildProcess.run(
                bench.options.galleyPath,
                ["import", file, "--apply", "--message", "galley-bench import", "--server", target.address, "--token", target.token],
                logPath: file + ".log"
            )
            defer { try? FileManager.default.removeItem(atPath: file + ".log") }
            let seconds = Bench.seconds(since: start)
            let cpuAfter = target.cpuSeconds
            let serverCPU: Double? = if let cpuBefore, let cpuAfter { cpuAfter - cpuBefore } else { nil }
            guard exit.succeeded else {
                let log = (try? String(contentsOfFile: file + ".log", encoding: .utf8)) ?? ""
                throw BenchError("galley import exited with status \(exit.status): \(log.suffix(1000))")
            }
            return (seconds, exit, serverCPU)
        }
        report.say(
            "galley import: \(Report.grouped(Double(count))) articles in \(Report.seconds(seconds)), \(Report.grouped(Double(count) / max(seconds, 0.001))) articles/s, peak memory \(Report.megabytes(exit.peakResidentBytes))"
        )
        report.figures = [
            "seconds": Report.number(seconds, decimals: 2),
            "articlesPerSecond": Report.number(Double(count) / max(seconds, 0.001), decimals: 0),
            "clientCpuSeconds": Report.number(exit.cpuSeconds, decimals: 2),
            "clientPeakMemoryMB": Report.number(Double(exit.peakResidentBytes) / 1_000_000, decimals: 1),
        ]
        if let serverCPU { report.figures["serverCpuSeconds"] = Report.number(serverCPU, decimals: 2) }
        report.say("CPU: galley import \(Report.seconds(exit.cpuSeconds)), galleyd \(serverCPU.map(Report.seconds) ?? "unknown")")
        return report
    }
}
