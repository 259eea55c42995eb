#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation

/// A process started with `posix_spawn`, its output sent to a file, reaped with `wait4` so its
/// CPU time is known; its peak memory is read from `/proc` while it runs.
final class ChildProcess: Sendable {
    let pid: pid_t
    let executable: String

    /// How a finished process ended.
    struct Exit: Sendable {
        var status: Int32
        /// Peak resident memory in bytes: the highest `VmHWM` read while the process ran (see
        /// `waitForExit`), or `ru_maxrss` where none was read.
        var peakResidentBytes: Int
        /// CPU time (user + system) it used, from the same `wait4`.
        var cpuSeconds: Double
        var succeeded: Bool { self.status == 0 }
    }

    private init(pid: pid_t, executable: String) {
        self.pid = pid
        self.executable = executable
    }

    /// Starts `executable` with `arguments`, standard output and error appended to `logPath`
    /// (or discarded when nil), standard input from /dev/null.
    static func spawn(_ executable: String, _ arguments: [String], logPath: String?, environment: [String: String] = [:]) throws -> ChildProcess {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        let output = logPath ?? "/dev/null"
        posix_spawn_file_actions_addopen(&actions, 1, output, O_WRONLY | O_CREAT | O_APPEND, 0o644)
        posix_spawn_file_actions_adddup2(&actions, 1, 2)

        let argv = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        let envp = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { for pointer in envp { free(pointer) } }

        var pid: pid_t = 0
        let result = posix_spawn(&pid, executable, &actions, nil, argv, envp)
        guard result == 0 else {
            throw BenchError("cannot start \(executable): \(String(cString: strerror(result)))")
        }
        return ChildProcess(pid: pid, executable: executable)
    }

    /// Runs to the end and returns how it ended.
    static func run(_ executable: String, _ arguments: [String], logPath: String?, environment: [String: String] = [:]) async throws -> Exit {
        let process = try Self.spawn(executable, arguments, logPath: logPath, environment: environment)
        return await process.waitForExit()
    }

    /// Polls (without blocking a thread) until the process has ended, and reaps it.
    ///
    /// The peak memory is the child's own `VmHWM`, read at every poll, not `ru_maxrss`: Linux
    /// starts a process's `ru_maxrss` at the peak of the memory it replaced at `exec`, and
    /// `posix_spawn` execs from the parent's memory (vfork), so `ru_maxrss` reports at least
    /// galley-bench's own peak (`/bin/true` spawned by a 300 MB process reports 313 MB). Growth
    /// in the last poll interval before the exit is not seen.
    func waitForExit() async -> Exit {
        var peak = 0
        while true {
            if let now = self.peakResidentBytes { peak = max(peak, now) }
            if var exit = self.reapIfEnded() {
                if peak > 0 { exit.peakResidentBytes = peak }
                return exit
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
    }

    /// Reaps the process if it has ended.
    func reapIfEnded() -> Exit? {
        var status: Int32 = 0
        var usage = rusage()
        let result = wait4(self.pid, &status, WNOHANG, &usage)
        guard result == self.pid else { return nil }
        // WIFEXITED / WEXITSTATUS, spelled out (the C macros are not imported).
        let exited = (status & 0x7F) == 0
        let code = exited ? (status >> 8) & 0xFF : 128 + (status & 0x7F)
        let cpu = Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1_000_000
        return Exit(status: code, peakResidentBytes: Int(usage.ru_maxrss) * 1024, cpuSeconds: cpu)
    }

    func signal(_ signal: Int32) {
        kill(self.pid, signal)
    }

    /// CPU time (user + system) the process has used so far, from `/proc/PID/stat`.
    var cpuSeconds: Double? {
        guard let text = try? String(contentsOfFile: "/proc/\(self.pid)/stat", encoding: .utf8),
            let close = text.lastIndex(of: ")")
        else { return nil }
        // Fields after "(comm)": state is field 3, utime 14, stime 15.
        let fields = text[text.index(after: close)...].split(separator: " ")
        guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
        return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
    }

    /// Resident memory now (`VmRSS` in `/proc/PID/status`), in bytes.
    var residentBytes: Int? { Self.statusField("VmRSS", pid: self.pid) }

    /// Peak resident memory so far (`VmHWM`), in bytes.
    var peakResidentBytes: Int? { Self.statusField("VmHWM", pid: self.pid) }

    static func statusField(_ name: String, pid: pid_t) -> Int? {
        guard let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(name + ":") {
            let number = line.dropFirst(name.count + 1).split(whereSeparator: { $0 == " " || $0 == "\t" }).first.flatMap { Int($0) }
            return number.map { $0 * 1024 }
        }
        return nil
    }
}

/// A failure of the benchmark tool, said in words.
struct BenchError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}
