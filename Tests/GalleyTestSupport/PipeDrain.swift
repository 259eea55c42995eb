import Foundation
import NIOConcurrencyHelpers

/// Reads a child process's pipe to its end on a thread of its own, with blocking reads, and keeps
/// what it read.
///
/// Why not `FileHandle.readabilityHandler`: it arms a libdispatch read source on the descriptor, and
/// on Linux tearing that source down races the descriptor's close (swift-corelibs-libdispatch#949):
/// the test process crashed in `_dispatch_event_loop_drain` in CI that way. A blocking read never
/// registers the descriptor with libdispatch. Draining while the child runs also keeps a child that
/// writes more than a pipe's 64 KiB buffer from blocking until it is killed.
public final class PipeDrain: Sendable {
    private struct State {
        var bytes = Data()
        var finished = false
    }

    private let state = NIOLockedValueBox(State())

    /// Starts reading `pipe`'s read end; the parent's write end must already be closed (as
    /// `Process.run()` does for the pipes it hands the child), or the end never comes.
    public init(_ pipe: Pipe) {
        let handle = pipe.fileHandleForReading
        let state = self.state
        let thread = Thread {
            // The closure holds `handle`, so its descriptor stays open until the end is read.
            var buffer = [UInt8](repeating: 0, count: 64 * 1024)
            while true {
                let count = buffer.withUnsafeMutableBytes { read(handle.fileDescriptor, $0.baseAddress, $0.count) }
                if count < 0 && errno == EINTR { continue }
                if count <= 0 { break }
                state.withLockedValue { $0.bytes.append(contentsOf: buffer[0..<count]) }
            }
            state.withLockedValue { $0.finished = true }
        }
        thread.name = "pipe-drain"
        thread.start()
    }

    /// Everything read so far.
    public var text: String { self.state.withLockedValue { String(decoding: $0.bytes, as: UTF8.self) } }

    /// Whether the writer closed its end and everything was read.
    public var isFinished: Bool { self.state.withLockedValue { $0.finished } }

    /// Waits (bounded) for the end of the pipe and returns everything read.
    public func waitForEnd(timeout: Duration = .seconds(10)) async throws -> String {
        let deadline = ContinuousClock.now + timeout
        while !self.isFinished {
            if ContinuousClock.now >= deadline { throw TestFailure("a child's pipe did not reach its end within \(timeout)") }
            try await Task.sleep(for: .milliseconds(5))
        }
        return self.text
    }
}
