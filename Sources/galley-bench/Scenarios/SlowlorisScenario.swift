import Foundation
import JSONRPC
import NIOCore
import NIOPosix

/// Issue 9's abuse check: a legitimate client's `server.ping` p99 with and without 1,200 idle
/// authenticated connections and 200 connections trickling an unfinished message one byte a
/// second (slowloris). The measured phase is shorter than galleyd's 30 s frame deadline, so the
/// trickling connections are held throughout.
enum SlowlorisScenario: Scenario {
    static let name = "slowloris"

    static func run(_ bench: Bench) async throws -> Report {
        let options = bench.options
        let idleCount = options.quick ? 100 : 1_200
        let tricklingCount = options.quick ? 20 : 200
        var report = Report(
            scenario: Self.name,
            parameters: bench.loadParameters(["idleConnections": .number(JSONNumber(idleCount)), "tricklingConnections": .number(JSONNumber(tricklingCount))])
        )
        let figures = try await bench.withServer(galleydArguments: ["--max-connections", "4000"]) { server in
            try await bench.withConnections(options.connections, to: server, depth: options.depth) { load in
                Report.progress("server.ping alone")
                let before = try await bench.measure(load, on: server) { _ in RepeatingSource(method: "server.ping") }
                Report.progress("opening \(idleCount) idle and \(tricklingCount) trickling connections")
                return try await bench.withConnections(idleCount, to: server, depth: 1) { _ in
                    let trickle = try await Trickle.open(tricklingCount, host: server.host, port: server.port)
                    defer { trickle.close() }
                    try await Task.sleep(for: .seconds(1))
                    Report.progress("server.ping beside them")
                    let during = try await bench.measure(load, on: server) { _ in RepeatingSource(method: "server.ping") }
                    return (before, during, trickle.stillOpen)
                }
            }
        }
        let (before, during, stillOpen) = figures
        let p99Ratio = during.latencyMilliseconds(99) / max(before.latencyMilliseconds(99), 0.001)
        report.say(before.line("alone:       "))
        report.say(during.line("beside them: "))
        report.say(String(format: "ping p99 beside / alone = %.2fx (target <= 2x); %d of %d trickling connections still open at the end", p99Ratio, stillOpen, tricklingCount))
        report.figures = [
            "pingAlone": .object(before.figures),
            "pingBeside": .object(during.figures),
            "p99Ratio": Report.number(p99Ratio, decimals: 2),
            "tricklingStillOpen": .number(JSONNumber(stillOpen)),
        ]
        return report
    }
}

/// Connections that send one byte of a never-finished message every second.
final class Trickle: Sendable {
    private let channels: [any Channel]
    private let task: Task<Void, Never>

    private init(channels: [any Channel], task: Task<Void, Never>) {
        self.channels = channels
        self.task = task
    }

    static func open(_ count: Int, host: String, port: Int) async throws -> Trickle {
        var channels: [any Channel] = []
        for _ in 0..<count {
            let channel = try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton)
                .connect(host: host, port: port).get()
            channels.append(channel)
        }
        let message = Array(#"{"jsonrpc":"2.0","id":1,"method":"server.info","params":{"padding":""#.utf8)
        let task = Task { [channels] in
            var index = 0
            while !Task.isCancelled {
                let byte = message[index % message.count]
                for channel in channels where channel.isActive {
                    channel.writeAndFlush(ByteBuffer(bytes: [byte]), promise: nil)
                }
                index += 1
                try? await Task.sleep(for: .seconds(1))
            }
        }
        return Trickle(channels: channels, task: task)
    }

    var stillOpen: Int { self.channels.filter(\.isActive).count }

    func close() {
        self.task.cancel()
        for channel in self.channels { channel.close(promise: nil) }
    }
}
