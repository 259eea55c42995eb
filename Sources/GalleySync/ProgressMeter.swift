/// Turns pull progress into one line for a terminal: entities, bytes, rate and an ETA. In the
/// snapshot the ETA comes from the size the server announced on its first page; in the log,
/// from how many changesets are left.
public struct ProgressMeter: Sendable {
    private let started: ContinuousClock.Instant
    private var logStart: (instant: ContinuousClock.Instant, consistentAt: Int64)?

    /// A meter whose rates count from `started`.
    public init(started: ContinuousClock.Instant = .now) {
        self.started = started
    }

    /// The line for `progress` at `now` (rates and ETA are averaged since the start).
    public mutating func line(for progress: PullProgress, now: ContinuousClock.Instant = .now) -> String {
        let elapsed = Self.seconds(now - self.started)
        let rate = elapsed > 0 ? Double(progress.entities) / elapsed : 0
        var parts = [
            "\(Self.grouped(progress.snapshotEntities > progress.entities ? progress.snapshotEntities : progress.entities)) entities",
            Self.byteCount(progress.bytes),
            "\(Self.grouped(Int(rate.rounded())))/s",
        ]
        if progress.inSnapshot {
            parts.insert("snapshot", at: 0)
            if let total = progress.snapshotTotal, total > 0 {
                let done = min(progress.snapshotEntities, total)
                parts[1] = "\(Self.grouped(done))/\(Self.grouped(total)) entities (\(done * 100 / total)%)"
                if rate > 0 { parts.append("ETA \(Self.duration(Double(total - done) / rate))") }
            }
        } else if let consistentAt = progress.consistentAt {
            parts.insert("changeset \(consistentAt)/\(progress.head)", at: 0)
            if self.logStart == nil { self.logStart = (now, consistentAt) }
            if let start = self.logStart, consistentAt > start.consistentAt, progress.head > consistentAt {
                let perSecond = Double(consistentAt - start.consistentAt) / max(Self.seconds(now - start.instant), 0.001)
                parts.append("ETA \(Self.duration(Double(progress.head - consistentAt) / perSecond))")
            } else if progress.head <= consistentAt {
                parts.append("done")
            }
        }
        return parts.joined(separator: "  ")
    }

    static func seconds(_ duration: Duration) -> Double {
        Double(duration.components.seconds) + Double(duration.components.attoseconds) / 1e18
    }

    static func grouped(_ number: Int) -> String {
        let digits = String(number)
        var result = ""
        for (index, character) in digits.enumerated() {
            if index > 0, (digits.count - index) % 3 == 0 { result.append(",") }
            result.append(character)
        }
        return result
    }

    static func byteCount(_ bytes: Int) -> String {
        if bytes < 1024 { return "\(bytes) B" }
        if bytes < 1024 * 1024 { return "\((Double(bytes) / 1024 * 10).rounded() / 10) KiB" }
        return "\((Double(bytes) / 1024 / 1024 * 10).rounded() / 10) MiB"
    }

    static func duration(_ seconds: Double) -> String {
        guard seconds.isFinite else { return "?" }
        let total = Int(seconds.rounded(.up))
        return total < 60 ? "\(total)s" : "\(total / 60)m\(total % 60)s"
    }
}
