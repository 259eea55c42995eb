import ArgumentParser
import JSONRPC
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import NIOCore
import NIOPosix

@main
struct GalleyBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "galley-bench",
        abstract: "Measures galleyd (or any server speaking its contract) the same way every time.",
        discussion: """
            Each scenario starts its own galleyd (the one next to galley-bench, temporary data, \
            127.0.0.1 port 0) unless --server HOST:PORT --token TOKEN names one. Each prints a \
            summary and one JSON line {"scenario", "parameters", "figures"}. No scenario fails \
            because the machine is slow; only errors fail.

            Examples:
              galley-bench read                        # 16 connections x 16 in flight, 10 s
              galley-bench all --quick                 # every scenario in seconds (CI smoke test)
              galley-bench ping --server 10.0.0.5:7420 --token "$TOKEN" --connections 32
            """,
        subcommands: [
            PingCommand.self, ReadCommand.self, WriteCommand.self, PullHistoryCommand.self, IdleCommand.self, SlowlorisCommand.self,
            CloneCommand.self, ImportCommand.self, AllCommand.self,
        ]
    )
}

/// A scenario: a name, and what it does with a ``Bench``.
protocol Scenario {
    static var name: String { get }
    static func run(_ bench: Bench) async throws -> Report
}

/// Sets up the client's event loops (and enough file descriptors), runs `scenarios` in order,
/// prints each report, and fails when one failed.
func runScenarios(_ scenarios: [any Scenario.Type], options: BenchOptions) async throws {
    raiseOpenFileLimit()
    let group = MultiThreadedEventLoopGroup(numberOfThreads: options.clientThreads)
    let bench = Bench(options: options, group: group)
    var failed: [String] = []
    for scenario in scenarios {
        do {
            var report = try await scenario.run(bench)
            if let load = Bench.loadAverage { report.figures["loadAverageAtEnd"] = Report.number(load, decimals: 2) }
            report.print()
        } catch {
            Report.failure(scenario.name, error)
            failed.append(scenario.name)
        }
    }
    try? await group.shutdownGracefully()
    if !failed.isEmpty {
        print("failed scenarios: \(failed.joined(separator: ", "))")
        throw ExitCode(1)
    }
}

/// Lifts the soft open-file limit to the hard one: `idle` holds 1,000+ sockets, and a galleyd
/// started from here inherits the limit.
func raiseOpenFileLimit() {
    var limit = rlimit()
    guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
    limit.rlim_cur = limit.rlim_max
    _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
}

/// A subcommand that runs one scenario.
protocol ScenarioCommand: AsyncParsableCommand {
    associatedtype Measured: Scenario
    var options: BenchOptions { get }
}

extension ScenarioCommand {
    func run() async throws { try await runScenarios([Measured.self], options: self.options) }
}

struct PingCommand: ScenarioCommand {
    typealias Measured = PingScenario
    static let configuration = CommandConfiguration(commandName: "ping", abstract: "server.ping: the transport's baseline.")
    @OptionGroup var options: BenchOptions
}

struct ReadCommand: ScenarioCommand {
    typealias Measured = ReadScenario
    static let configuration = CommandConfiguration(commandName: "read", abstract: "article.get {id} over randomly chosen seeded articles, compared with server.ping in the same run.")
    @OptionGroup var options: BenchOptions
}

struct WriteCommand: ScenarioCommand {
    typealias Measured = WriteScenario
    static let configuration = CommandConfiguration(commandName: "write", abstract: "One-op update changesets on distinct articles, with and without group commit.")
    @OptionGroup var options: BenchOptions
}

struct PullHistoryCommand: ScenarioCommand {
    typealias Measured = PullHistoryScenario
    static let configuration = CommandConfiguration(commandName: "pull-history", abstract: "sync.pull of the last 1,000 changes over a short and a long history.")
    @OptionGroup var options: BenchOptions
}

struct IdleCommand: ScenarioCommand {
    typealias Measured = IdleScenario
    static let configuration = CommandConfiguration(commandName: "idle", abstract: "1,000 authenticated idle connections: server memory and ping p99 with and without them.")
    @OptionGroup var options: BenchOptions
}

struct SlowlorisCommand: ScenarioCommand {
    typealias Measured = SlowlorisScenario
    static let configuration = CommandConfiguration(
        commandName: "slowloris", abstract: "ping p99 alone and beside 1,200 idle and 200 trickling connections.")
    @OptionGroup var options: BenchOptions
}

struct CloneCommand: ScenarioCommand {
    typealias Measured = CloneScenario
    static let configuration = CommandConfiguration(commandName: "clone", abstract: "galley clone of a seeded server into a fresh replica (when this build has it).")
    @OptionGroup var options: BenchOptions
}

struct ImportCommand: ScenarioCommand {
    typealias Measured = ImportScenario
    static let configuration = CommandConfiguration(commandName: "import", abstract: "galley import of exported articles (when this build has it).")
    @OptionGroup var options: BenchOptions
}

struct AllCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "all", abstract: "Every scenario, one after another.")
    @OptionGroup var options: BenchOptions
    func run() async throws {
        try await runScenarios(
            [
                PingScenario.self, ReadScenario.self, WriteScenario.self, PullHistoryScenario.self, IdleScenario.self,
                SlowlorisScenario.self, CloneScenario.self, ImportScenario.self,
            ],
            options: self.options
        )
    }
}
