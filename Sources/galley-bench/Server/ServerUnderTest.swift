#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// The server a scenario measures: a galleyd this tool started (temporary data directory, port
/// 0, its admin token), or one given with `--server` and `--token`, about which only the
/// protocol is known (no CPU or memory figures).
final class ServerUnderTest: Sendable {
    let host: String
    let port: Int
    let token: String
    /// The galleyd this tool started; nil for `--server`.
    let process: ChildProcess?
    let dataDirectory: String?

    var isSpawned: Bool { self.process != nil }
    var address: String { "\(self.host):\(self.port)" }

    private init(host: String, port: Int, token: String, process: ChildProcess?, dataDirectory: String?) {
        self.host = host
        self.port = port
        self.token = token
        self.process = process
        self.dataDirectory = dataDirectory
    }

    /// The server named by `--server HOST:PORT --token TOKEN`.
    static func external(address: String, token: String) throws -> ServerUnderTest {
        guard let colon = address.lastIndex(of: ":"), let port = Int(address[address.index(after: colon)...]) else {
            throw BenchError("--server must be HOST:PORT, not \(address)")
        }
        var host = String(address[..<colon])
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        return ServerUnderTest(host: host, port: port, token: token, process: nil, dataDirectory: nil)
    }

    /// Starts `galleyd` on 127.0.0.1 port 0 with a new temporary data directory and waits for
    /// its `listening` log line, which names the port.
    static func start(galleyd: String, extraArguments: [String] = []) async throws -> ServerUnderTest {
        guard FileManager.default.isExecutableFile(atPath: galleyd) else {
            throw BenchError("galleyd not found at \(galleyd) (build it, or pass --galleyd PATH or --server)")
        }
        let directory = try Self.makeTemporaryDirectory()
        let log = directory + "/galleyd.log"
        let data = directory + "/data"
        let process = try ChildProcess.spawn(
            galleyd,
            // The per-token request limit is lifted: the scenarios measure the server, and all their
            // connections share one token.
            ["serve", "--listen", "127.0.0.1:0", "--data", data, "--log-level", "info", "--requests-per-second", "100000000"] + extraArguments,
            logPath: log
        )
        let deadline = ContinuousClock.now + .seconds(60)
        while ContinuousClock.now < deadline {
            if let exit = process.reapIfEnded() {
                let tail = (try? String(contentsOfFile: log, encoding: .utf8))?.suffix(2000) ?? ""
                throw BenchError("galleyd exited with status \(exit.status) before listening:\n\(tail)")
            }
            if let port = Self.listeningPort(inLog: log),
                let token = try? String(contentsOfFile: data + "/admin.token", encoding: .utf8)
            {
                return ServerUnderTest(
                    host: "127.0.0.1",
                    port: port,
                    token: token.trimmingCharacters(in: .whitespacesAndNewlines),
                    process: process,
                    dataDirectory: directory
                )
            }
            try await Task.sleep(for: .milliseconds(20))
        }
        process.signal(SIGKILL)
        _ = await process.waitForExit()
        throw BenchError("galleyd did not log `listening` within 60 s; see \(log)")
    }

    /// The port in a line such as `... address=127.0.0.1:41234 ... listening`.
    static func listeningPort(inLog path: String) -> Int? {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.contains("listening") {
            guard let range = line.range(of: "address=") else { continue }
            let value = line[range.upperBound...].prefix(while: { !$0.isWhitespace })
            if let colon = value.lastIndex(of: ":"), let port = Int(value[value.index(after: colon)...]) {
                return port
            }
        }
        return nil
    }

    private static func makeTemporaryDirectory() throws -> String {
        let base = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        var template = Array("\(base)/galley-bench-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            throw BenchError("cannot create a temporary directory under \(base)")
        }
        return String(cString: made)
    }

    /// The server's CPU seconds so far (nil for `--server`).
    var cpuSeconds: Double? { self.process?.cpuSeconds }

    /// The server's resident memory now (nil for `--server`).
    var residentBytes: Int? { self.process?.residentBytes }

    /// The disk space of the data directory (nil for `--server`).
    var databaseBytes: Int? {
        guard let directory = self.dataDirectory else { return nil }
        let files = (try? FileManager.default.subpathsOfDirectory(atPath: directory + "/data")) ?? []
        return files.reduce(0) { total, file in
            let size = (try? FileManager.default.attributesOfItem(atPath: directory + "/data/" + file)[.size] as? Int) ?? 0
            return total + size
        }
    }

    /// Stops a started galleyd (SIGTERM, then SIGKILL after 15 s) and removes its directory.
    func stop() async {
        guard let process = self.process else { return }
        process.signal(SIGTERM)
        let deadline = ContinuousClock.now + .seconds(15)
        var ended = false
        while !ended && ContinuousClock.now < deadline {
            ended = process.reapIfEnded() != nil
            if !ended { try? await Task.sleep(for: .milliseconds(20)) }
        }
        if !ended {
            process.signal(SIGKILL)
            _ = await process.waitForExit()
        }
        if let directory = self.dataDirectory {
            try? FileManager.default.removeItem(atPath: directory)
        }
    }
}
