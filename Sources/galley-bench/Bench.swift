import Foundation
import Histogram
import JSONRPC
import NIOCore
import NIOPosix

/// What a scenario needs: the options, the client's event loops, the content generator, and
/// ways to get a server and to load it.
struct Bench: Sendable {
    let options: BenchOptions
    let group: MultiThreadedEventLoopGroup
    let content: ContentGenerator

    init(options: BenchOptions, group: MultiThreadedEventLoopGroup) {
        self.options = options
        self.group = group
        self.content = ContentGenerator(seed: options.seed, nonce: UInt64.random(in: 1...UInt64.max))
    }

    /// Runs `body` against the server under test: the `--server` one, or a galleyd started for
    /// it (with `galleydArguments`) and stopped afterwards whatever happens.
    func withServer<T: Sendable>(
        galleydArguments: [String] = [],
        _ body: (ServerUnderTest) async throws -> T
    ) async throws -> T {
        let server: ServerUnderTest
        if let address = self.options.server, let token = self.options.token {
            server = try ServerUnderTest.external(address: address, token: token)
        } else {
            server = try await ServerUnderTest.start(galleyd: self.options.galleydPath, extraArguments: galleydArguments)
        }
        do {
            let result = try await body(server)
            await server.stop()
            return result
        } catch {
            await server.stop()
            throw error
        }
    }

    func connect(_ count: Int, to server: ServerUnderTest, depth: Int) async throws -> [LoadConnection] {
        try await LoadConnection.connectMany(count, host: server.host, port: server.port, token: server.token, depth: depth, group: self.group)
    }

    /// Opens `count` authenticated connections, runs `body` with them, and closes them.
    func withConnections<T: Sendable>(
        _ count: Int,
        to server: ServerUnderTest,
        depth: Int,
        _ body: ([LoadConnection]) async throws -> T
    ) async throws -> T {
        let connections = try await self.connect(count, to: server, depth: depth)
        do {
            let result = try await body(connections)
            for connection in connections { await connection.close() }
            return result
        } catch {
            for connection in connections { await connection.close() }
            throw error
        }
    }

    /// The parameters every load scenario reports.
    func loadParameters(_ extra: JSONObject = [:]) -> JSONObject {
        var parameters: JSONObject = [
            "server": .string(self.options.server ?? "galleyd started by galley-bench"),
            "connections": .number(JSONNumber(self.options.connections)),
            "depth": .number(JSONNumber(self.options.depth)),
            "durationSeconds": Report.number(self.options.measureSeconds, decimals: 1),
            "warmupSeconds": Report.number(self.options.warmupSeconds, decimals: 1),
            "clientThreads": .number(JSONNumber(self.options.clientThreads)),
            "seed": .number(JSONNumber(uncheckedText: String(self.options.seed))),
            "quick": .bool(self.options.quick),
            "plainArticles": .bool(self.options.plainArticles),
        ]
        if let load = Self.loadAverage { parameters["loadAverageAtStart"] = Report.number(load, decimals: 2) }
        for (key, value) in extra { parameters[key] = value }
        return parameters
    }

    /// Closed-loop load: every connection keeps its slots full with requests from its source
    /// for a warm-up, then for the measured duration; only replies in the measured window count.
    func measure(
        _ connections: [LoadConnection],
        on server: ServerUnderTest,
        seconds: Double? = nil,
        source: @escaping @Sendable (_ connection: Int) -> any RequestSource
    ) async throws -> LoadResult {
        let control = LoadControl(phase: LoadControl.warmingUp)
        let measured = seconds ?? self.options.measureSeconds
        var window: (seconds: Double, cpu: Double?) = (0, nil)
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for (index, connection) in connections.enumerated() {
                tasks.addTask {
                    try await connection.run(source: { source(index) }, control: control)
                }
            }
            try await Task.sleep(for: .seconds(self.options.warmupSeconds))
            let cpuBefore = server.cpuSeconds
            let start = ContinuousClock.now
            control.move(to: LoadControl.measuring)
            try await Task.sleep(for: .seconds(measured))
            control.move(to: LoadControl.stopping)
            let elapsed = ContinuousClock.now - start
            let cpuAfter = server.cpuSeconds
            window.seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
            if let cpuBefore, let cpuAfter { window.cpu = cpuAfter - cpuBefore }
            try await Self.waitForAll(&tasks, closing: connections, within: Self.drainDeadline, doing: "draining the requests in flight")
        }
        var total = ConnectionTally.empty()
        for connection in connections {
            let tally = try await connection.takeTally()
            total.histogram.add(tally.histogram)
            total.recorded += tally.recorded
            total.errors += tally.errors
            total.firstError = total.firstError ?? tally.firstError
        }
        if total.errors > 0 {
            throw LoadError.requestsFailed(count: total.errors, first: total.firstError ?? "?")
        }
        return LoadResult(requests: total.recorded, seconds: window.seconds, histogram: total.histogram, serverCPUSeconds: window.cpu)
    }

    /// Sends `count` requests built by `tail(item)` over `connections`, each keeping its slots
    /// full, until every item is answered; any error reply fails the pass. Returns its seconds.
    func seed(
        _ connections: [LoadConnection],
        count: Int,
        doing what: String = "seeding",
        tail: @escaping @Sendable (Int) -> [UInt8]
    ) async throws -> Double {
        guard count > 0 else { return 0 }
        let queue = WorkQueue(count: count)
        let control = LoadControl(phase: LoadControl.measuring)
        let start = ContinuousClock.now
        try await withThrowingTaskGroup(of: Void.self) { tasks in
            for connection in connections {
                tasks.addTask {
                    try await connection.run(source: { QueueSource(queue: queue, tailForItem: tail) }, control: control)
                }
            }
            try await Self.waitForAll(&tasks, closing: connections, within: Self.seedDeadline, doing: "\(what) \(count) requests")
        }
        var errors = 0
        var first: String?
        var answered = 0
        for connection in connections {
            let tally = try await connection.takeTally()
            errors += tally.errors
            answered += tally.recorded
            first = first ?? tally.firstError
        }
        if errors > 0 { throw LoadError.requestsFailed(count: errors, first: first ?? "?") }
        guard answered == count else { throw BenchError("\(what) sent \(count) requests but \(answered) were answered") }
        return Self.seconds(since: start)
    }

    /// Seeds `count` generated articles (photo, article, links) as one `changeset.commit` each,
    /// in waves so that links only point at articles already committed. Returns the seconds taken.
    func seedArticles(_ count: Int, on server: ServerUnderTest, firstIndex: Int = 0) async throws -> Double {
        try await self.withConnections(16, to: server, depth: 16) { connections in
            try await self.seedArticles(count, over: connections, firstIndex: firstIndex)
        }
    }

    private func seedArticles(_ count: Int, over connections: [LoadConnection], firstIndex: Int) async throws -> Double {
        let content = self.content
        let plain = self.options.plainArticles
        let wave = 1_000
        var seconds = 0.0
        var done = 0
        while done < count {
            let waveStart = firstIndex + done
            let size = min(wave, count - done)
            seconds += try await self.seed(connections, count: size) { item in
                let index = waveStart + item
                let ops = content.articleOps(index, linkTargets: firstIndex..<waveStart, plain: plain)
                let params: JSONValue = [
                    "id": .string(content.changesetID(stream: 1, index: index)),
                    "message": .string("bench: publish story \(index)"),
                    "ops": .array(ops),
                ]
                return RequestBytes.tail(method: "changeset.commit", params: JSONWriter.string(params))
            }
            done += size
        }
        return seconds
    }

    /// How long the replies still in flight after a measured window may take.
    static let drainDeadline: Duration = .seconds(60)
    /// How long one seeding pass may take before the run gives up (a hung server must not hang
    /// the benchmark: every run stops by itself).
    static let seedDeadline: Duration = .seconds(3600)

    /// Waits for `tasks`; past `deadline` closes `connections`, which fails what they still wait
    /// for, and throws.
    static func waitForAll(
        _ tasks: inout ThrowingTaskGroup<Void, any Error>,
        closing connections: [LoadConnection],
        within deadline: Duration,
        doing what: String
    ) async throws {
        let watchdog = Task { () -> Bool in
            do { try await Task.sleep(for: deadline) } catch { return false }
            for connection in connections { await connection.close() }
            return true
        }
        do {
            try await tasks.waitForAll()
            watchdog.cancel()
        } catch {
            watchdog.cancel()
            if await watchdog.value { throw LoadError.timedOut("\(what) took longer than \(deadline)") }
            throw error
        }
    }

    /// The machine's 1-minute load average: on a shared machine it says how much else was running.
    static var loadAverage: Double? {
        guard let text = try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8) else { return nil }
        return text.split(separator: " ").first.flatMap { Double($0) }
    }

    static func seconds(since start: ContinuousClock.Instant) -> Double {
        let elapsed = ContinuousClock.now - start
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
    }
}

/// What a measured load run produced.
struct LoadResult: Sendable {
    var requests: Int
    var seconds: Double
    var histogram: Histogram<UInt64>
    var serverCPUSeconds: Double?

    var perSecond: Double { self.seconds > 0 ? Double(self.requests) / self.seconds : 0 }

    /// Server CPU seconds per 1,000 requests (nil when the server's process is not ours).
    var cpuPerThousand: Double? {
        guard let cpu = self.serverCPUSeconds, self.requests > 0 else { return nil }
        return cpu / (Double(self.requests) / 1000)
    }

    func latencyMilliseconds(_ percentile: Double) -> Double {
        Double(self.histogram.valueAtPercentile(percentile)) / 1000
    }

    var maxMilliseconds: Double { Double(self.histogram.max) / 1000 }

    /// `{"p50":…,"p90":…,"p99":…,"p99.9":…,"max":…}` in milliseconds.
    var latencyJSON: JSONValue {
        [
            "p50": Report.number(self.latencyMilliseconds(50), decimals: 3),
            "p90": Report.number(self.latencyMilliseconds(90), decimals: 3),
            "p99": Report.number(self.latencyMilliseconds(99), decimals: 3),
            "p99.9": Report.number(self.latencyMilliseconds(99.9), decimals: 3),
            "max": Report.number(self.maxMilliseconds, decimals: 3),
        ]
    }

    /// The figures every load run reports.
    var figures: JSONObject {
        [
            "requests": .number(JSONNumber(self.requests)),
            "seconds": Report.number(self.seconds, decimals: 3),
            "requestsPerSecond": Report.number(self.perSecond, decimals: 0),
            "latencyMs": self.latencyJSON,
            "serverCpuSecondsPer1000": self.cpuPerThousand.map { Report.number($0, decimals: 4) } ?? .string("n/a"),
        ]
    }

    /// One human line: throughput, percentiles, CPU.
    func line(_ label: String, unit: String = "req/s") -> String {
        let cpu = self.cpuPerThousand.map { String(format: "%.4f", $0) } ?? "n/a"
        let latencies = String(
            format: "p50 %.3f  p90 %.3f  p99 %.3f  p99.9 %.3f  max %.3f ms",
            self.latencyMilliseconds(50), self.latencyMilliseconds(90), self.latencyMilliseconds(99),
            self.latencyMilliseconds(99.9), self.maxMilliseconds
        )
        let rate = self.perSecond < 100 ? String(format: "%.1f", self.perSecond) : Report.grouped(self.perSecond)
        return "\(label) \(rate) \(unit)  \(latencies)  server CPU s/1000 req: \(cpu)"
    }
}
