import Foundation
import GalleyTestSupport

/// A real `galleyd` process (the binary this build produced) on a free loopback port, for tests of
/// what only a process shows: signals, exit status, the first-start token file, the CLI.
final class ServerProcess: Sendable {
    let process: Process
    let port: Int
    let dataDirectory: String
    private let collector: LogCollector

    var address: String { "127.0.0.1:\(self.port)" }
    var adminToken: String {
        (try? String(contentsOfFile: self.dataDirectory + "/admin.token", encoding: .utf8))?
            .trimmingCharacters(in: .whitespacesAndNewlines) ?? ""
    }
    /// Everything galleyd logged so far.
    var stderrText: String { self.collector.text }

    static func executable(_ name: String) -> URL { BuiltProducts.executable(name) }

    private init(process: Process, port: Int, dataDirectory: String, collector: LogCollector) {
        self.process = process
        self.port = port
        self.dataDirectory = dataDirectory
        self.collector = collector
    }

    /// Starts galleyd on `127.0.0.1:0` and waits (bounded) for its "listening" line.
    static func start(dataDirectory: String, extraArguments: [String] = []) async throws -> ServerProcess {
        let process = Process()
        process.executableURL = Self.executable("galleyd")
        process.arguments = ["--listen", "127.0.0.1:0", "--data", dataDirectory] + extraArguments
        let stderr = Pipe()
        process.standardError = stderr
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        let collected = LogCollector(PipeDrain(stderr))
        let deadline = ContinuousClock.now + .seconds(30)
        while ContinuousClock.now < deadline {
            if let port = collected.listeningPort() {
                return ServerProcess(process: process, port: port, dataDirectory: dataDirectory, collector: collected)
            }
            if !process.isRunning { break }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.terminate()
        throw TestFailure("galleyd did not start listening: \(collected.text)")
    }

    /// Sends `signal` and waits (bounded) for the process to exit; returns its status.
    func stop(signal: Int32 = SIGTERM, timeout: Duration = .seconds(30)) async throws -> Int32 {
        kill(self.process.processIdentifier, signal)
        let deadline = ContinuousClock.now + timeout
        while self.process.isRunning {
            if ContinuousClock.now >= deadline {
                self.process.interrupt()
                kill(self.process.processIdentifier, SIGKILL)
                throw TestFailure("galleyd did not exit within \(timeout)")
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        return self.process.terminationStatus
    }
}

/// galleyd's stderr, read by a `PipeDrain`.
struct LogCollector: Sendable {
    let drain: PipeDrain

    init(_ drain: PipeDrain) { self.drain = drain }

    var text: String { self.drain.text }

    func listeningPort() -> Int? {
        for line in self.text.split(separator: "\n") where line.contains("listening") {
            if let range = line.range(of: #"address=127\.0\.0\.1:(\d+)"#, options: .regularExpression) {
                return Int(line[range].split(separator: ":").last ?? "")
            }
        }
        return nil
    }
}
