import NIOConcurrencyHelpers

/// What galleyd allows one caller before answering `-32029` with `data.retryAfterMs`.
public struct AbuseLimits: Sendable, Hashable {
    /// Failed `auth.authenticate` calls per source address per minute. When they are used up,
    /// every further attempt from that address is refused without looking at the token until the
    /// budget refills (one attempt per `60 / n` seconds): guessing slows to that pace.
    public var failedAuthenticationsPerMinute: Int
    /// Requests per second per token (per source address before authentication). Each element of
    /// a batch counts as one request, so batches are no way around the limit. Bursts of up to one
    /// second's worth are allowed.
    public var requestsPerSecond: Int

    public init(failedAuthenticationsPerMinute: Int = 10, requestsPerSecond: Int = 10_000) {
        self.failedAuthenticationsPerMinute = failedAuthenticationsPerMinute
        self.requestsPerSecond = requestsPerSecond
    }
}

/// Token buckets by key (a token name, an address): each holds up to `burst` tokens and refills
/// at `ratePerSecond`. Thread-safe; idle buckets are dropped once the table grows, so a scan from
/// many addresses cannot grow it without bound.
///
/// Written by hand: none of the listed packages offers an in-process limiter, and this is small.
final class RateLimiter: Sendable {
    private struct Bucket {
        var tokens: Double
        var updated: ContinuousClock.Instant
    }

    let ratePerSecond: Double
    let burst: Double
    private let buckets = NIOLockedValueBox<[String: Bucket]>([:])
    /// Above this many buckets, full (idle) ones are dropped.
    private static let pruneThreshold = 10_000

    init(ratePerSecond: Double, burst: Double) {
        precondition(ratePerSecond > 0 && burst >= 1)
        self.ratePerSecond = ratePerSecond
        self.burst = burst
    }

    /// Takes one token for `key`: nil when allowed, else how long until one is available.
    func take(_ key: String, now: ContinuousClock.Instant = .now) -> Duration? {
        self.buckets.withLockedValue { buckets in
            var bucket = self.refilled(buckets[key], now: now)
            defer {
                buckets[key] = bucket
                if buckets.count > Self.pruneThreshold { self.prune(&buckets, now: now) }
            }
            guard bucket.tokens >= 1 else { return self.wait(for: bucket) }
            bucket.tokens -= 1
            return nil
        }
    }

    /// How long until `key` has a token, without taking one: nil when it has one now.
    func check(_ key: String, now: ContinuousClock.Instant = .now) -> Duration? {
        self.buckets.withLockedValue { buckets in
            let bucket = self.refilled(buckets[key], now: now)
            return bucket.tokens >= 1 ? nil : self.wait(for: bucket)
        }
    }

    private func refilled(_ bucket: Bucket?, now: ContinuousClock.Instant) -> Bucket {
        guard var bucket else { return Bucket(tokens: self.burst, updated: now) }
        let elapsed = now - bucket.updated
        let seconds = Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) / 1e18
        bucket.tokens = min(self.burst, bucket.tokens + max(0, seconds) * self.ratePerSecond)
        bucket.updated = now
        return bucket
    }

    private func wait(for bucket: Bucket) -> Duration {
        .milliseconds(Int(((1 - bucket.tokens) / self.ratePerSecond * 1000).rounded(.up)))
    }

    private func prune(_ buckets: inout [String: Bucket], now: ContinuousClock.Instant) {
        buckets = buckets.filter { self.refilled($0.value, now: now).tokens < self.burst }
    }
}
