import Foundation
import JSONRPC
import NIOCore
import NIOPosix
import NIOConcurrencyHelpers
import Synchronization

/// Issue 9's abuse check: a legitimate client's `server.ping` p99 with and without 1,200 idle
/// authenticated connections and 200 connections trickling an unfinished message one byte a
/// second (slowloris), reopened as soon as galleyd closes them.
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
                    return (before, during, trickle.stillOpen, trickle.reopenedCount)
                }
            }
        }
        let (before, during, stillOpen, reopened) = figures
        let p99Ratio = during.latencyMilliseconds(99) / max(before.latencyMilliseconds(99), 0.001)
        report.say(before.line("alone:       "))
        report.say(during.line("beside them: "))
        report.say(String(format: "ping p99 beside / alone = %.2fx (target <= 2x); %d of %d trickling connections open at the end (galleyd closed %d, each reopened at once)", p99Ratio, stillOpen, tricklingCount, reopened))
        report.figures = [
            "pingAlone": .object(before.figures),
            "pingBeside": .object(during.figures),
            "p99Ratio": Report.number(p99Ratio, decimals: 2),
            "tricklingStillOpen": .number(JSONNumber(stillOpen)),
            "tricklingReopened": .number(JSONNumber(reopened)),
        ]
        return report
    }
}

/// Connections that send one byte of a never-finished message every second. galleyd closes them
/// (authentication deadline, frame deadline); like an attacker, this reopens every closed one
/// at the next tick, so `count` are held throughout.
final class Trickle: Sendable {
    private let slots: NIOLockedValueBox<[any Channel]>
    private let reopened = Atomic<Int>(0)
    private let task: NIOLockedValueBox<Task<Void, Never>?> = NIOLockedValueBox(nil)

    private init(channels: [any Channel]) {
        self.slots = NIOLockedValueBox(channels)
    }

    private static func connect(host: String, port: Int) async throws -> any Channel {
        try await ClientBootstrap(group: MultiThreadedEventLoopGroup.singleton).connect(host: host, port: port).get()
    }

    static func open(_ count: Int, host: String, port: Int) async throws -> Trickle {
        var channels: [any Channel] = []
        for _ in 0..<count { channels.append(try await Self.connect(host: host, port: port)) }
        let trickle = Trickle(channels: channels)
        let message = Array(#"{"jsonrpc":"2.0","id":1,"method":"server.info","params":{"padding":""#.utf8)
        let task = Task {
            var index = 0
            while !Task.isCancelled {
                let byte = message[index % message.count]
                let current = trickle.slots.withLockedValue { $0 }
                for (slot, channel) in current.enumerated() {
                    if channel.isActive {
                        channel.writeAndFlush(ByteBuffer(bytes: [byte]), promise: nil)
                    } else if let fresh = try? await Self.connect(host: host, port: port) {
                        trickle.slots.withLockedValue { $0[slot] = fresh }
                        trickle.reopened.add(1, ordering: .relaxed)
                    }
                }
                index += 1
                try? await Task.sleep(for: .seconds(1))
            }
        }
        trickle.task.withLockedValue { $0 = task }
        return trickle
    }

    /// Trickling connections open now.
    var stillOpen: Int { self.slots.withLockedValue { $0 }.filter(\.isActive).count }
    /// How often a closed one was replaced.
    var reopenedCount: Int { self.reopened.load(ordering: .relaxed) }

    func close() {
        self.task.withLockedValue { $0?.cancel() }
        for channel in self.slots.withLockedValue({ $0 }) { channel.close(promise: nil) }
    }
}
