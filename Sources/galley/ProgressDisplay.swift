import Foundation
import GalleySync
import NIOConcurrencyHelpers

/// A one-line progress display on standard error, only when it is a terminal (quiet when piped),
/// redrawn at most ten times a second.
final class ProgressDisplay: Sendable {
    private struct State {
        var meter = ProgressMeter()
        var lastDraw: ContinuousClock.Instant?
        var drawn = false
    }

    private let enabled = isatty(STDERR_FILENO) == 1
    private let state = NIOLockedValueBox(State())

    func update(_ progress: PullProgress) {
        guard self.enabled else { return }
        let text: String? = self.state.withLockedValue { state in
            let now = ContinuousClock.now
            let line = state.meter.line(for: progress, now: now)
            if let last = state.lastDraw, now - last < .milliseconds(100) { return nil }
            state.lastDraw = now
            state.drawn = true
            return line
        }
        if let text { FileHandle.standardError.write(Data("\r\u{1B}[K\(text)".utf8)) }
    }

    func finish() {
        let drawn = self.state.withLockedValue { state in
            defer { state.drawn = false }
            return state.drawn
        }
        if drawn { FileHandle.standardError.write(Data("\n".utf8)) }
    }
}
