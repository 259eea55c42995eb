import Foundation
import JSONRPC

/// 1,000 authenticated connections that send nothing more: the server's resident memory and the
/// `server.ping` p99 of the usual load, before and while they are open.
enum IdleScenario: Scenario {
    static let name = "idle"

    static func run(_ bench: Bench) async throws -> Report {
        let options = bench.options
        let idleCount = options.idleConnectionCount
        var report = Report(scenario: Self.name, parameters: bench.loadParameters(["idleConnections": .number(JSONNumber(idleCount))]))
        let figures = try await bench.withServer { server in
            try await bench.withConnections(options.connections, to: server, depth: options.depth) { load in
                Report.progress("server.ping without idle connections")
                let before = try await bench.measure(load, on: server) { _ in RepeatingSource(method: "server.ping") }
                let memoryBefore = server.residentBytes
                Report.progress("opening and authenticating \(idleCount) idle connections")
                return try await bench.withConnections(idleCount, to: server, depth: 1) { _ in
                    try await Task.sleep(for: .seconds(1))
                    let memoryIdle = server.residentBytes
                    Report.progress("server.ping with \(idleCount) idle connections")
                    let during = try await bench.measure(load, on: server) { _ in RepeatingSource(method: "server.ping") }
                    let memoryAfter = server.residentBytes
                    return (before, during, memoryBefore, memoryIdle, memoryAfter)
                }
            }
        }
        let (before, during, memoryBefore, memoryIdle, memoryAfter) = figures
        let p99Ratio = during.latencyMilliseconds(99) / max(before.latencyMilliseconds(99), 0.001)
        let perConnection = memoryBefore.flatMap { base in memoryIdle.map { Double($0 - base) / Double(idleCount) } }
        report.say("server resident memory: \(Report.megabytes(memoryBefore)) before, \(Report.megabytes(memoryIdle)) with \(idleCount) idle connections, \(Report.megabytes(memoryAfter)) after loading them")
        if let perConnection { report.say(String(format: "about %.1f KB per idle connection", perConnection / 1000)) }
        report.say(before.line("without idle:"))
        report.say(during.line("with idle:   "))
        report.say(String(format: "ping p99 with / without idle connections = %.2fx", p99Ratio))
        func megabytes(_ bytes: Int?) -> JSONValue { bytes.map { Report.number(Double($0) / 1_000_000, decimals: 1) } ?? "n/a" }
        report.figures = [
            "residentMBBefore": megabytes(memoryBefore),
            "residentMBIdle": megabytes(memoryIdle),
            "residentMBIdleUnderLoad": megabytes(memoryAfter),
            "pingWithout": .object(before.figures),
            "pingWith": .object(during.figures),
            "p99Ratio": Report.number(p99Ratio, decimals: 2),
        ]
        return report
    }
}
