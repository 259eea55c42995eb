/// Exponential backoff with jitter for reconnecting: the `attempt`-th retry waits a random time
/// between half and all of `min(maximum, initial * 2^attempt)`, so many clients that lost the same
/// server do not come back in step.
public struct Backoff: Sendable, Hashable {
    public var initial: Duration
    public var maximum: Duration

    /// Retries start around `initial` and never wait longer than `maximum`.
    public init(initial: Duration = .milliseconds(200), maximum: Duration = .seconds(30)) {
        self.initial = initial
        self.maximum = maximum
    }

    /// How long to wait before retry number `attempt` (0 for the first retry).
    public func delay(attempt: Int) -> Duration {
        var generator = SystemRandomNumberGenerator()
        return self.delay(attempt: attempt, using: &generator)
    }

    /// ``delay(attempt:)`` with a given random source (for tests).
    public func delay<G: RandomNumberGenerator>(attempt: Int, using generator: inout G) -> Duration {
        var ceiling = self.initial
        for _ in 0..<min(max(attempt, 0), 40) where ceiling < self.maximum { ceiling *= 2 }
        ceiling = min(ceiling, self.maximum)
        return ceiling * Double.random(in: 0.5...1.0, using: &generator)
    }
}
