import JSONRPC

/// `server.ping` from C connections with D requests in flight each: the transport's baseline.
enum PingScenario: Scenario {
    static let name = "ping"

    static func run(_ bench: Bench) async throws -> Report {
        var report = Report(scenario: Self.name, parameters: bench.loadParameters())
        let options = bench.options
        let ping = try await bench.withServer { server in
            try await bench.withConnections(options.connections, to: server, depth: options.depth) { connections in
                try await bench.measure(connections, on: server) { _ in RepeatingSource(method: "server.ping") }
            }
        }
        report.figures = ping.figures
        report.say(ping.line("server.ping"))
        return report
    }
}
