import Foundation
/// A one-line progress bar on stderr, drawn only when stderr is a terminal (scripts and logs get
/// nothing). Redraws at most once per percent.
public final class ProgressBar {
    private let title: String
    private let total: Int
    private let enabled: Bool
    private var lastPercent = -1

    public init(_ title: String, total: Int, enabled: Bool = Terminal.stderrIsTerminal) {
        self.title = title
        self.total = max(total, 1)
        self.enabled = enabled && total > 0
    }

    public func update(_ done: Int) {
        guard self.enabled else { return }
        let percent = min(100, done * 100 / self.total)
        guard percent != self.lastPercent else { return }
        self.lastPercent = percent
        let filled = percent * 30 / 100
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: 30 - filled)
        Terminal.writeError("\r\(self.title) [\(bar)] \(done)/\(self.total)")
    }

    /// Ends the line (when anything was drawn).
    public func finish() {
        guard self.enabled, self.lastPercent >= 0 else { return }
        Terminal.writeError("\n")
    }
}
