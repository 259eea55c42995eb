import JSONRPC
import Prometheus
import NIOConcurrencyHelpers

/// The figures an operator watches, kept in a Prometheus registry: requests by method and
/// outcome, request latency, open connections, subscribers, commit batch sizes, sync pushes and
/// conflicts. Served as Prometheus text on `--metrics` and as samples by `server.metrics`.
public final class ServerMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let requestCounters = NIOLockedValueBox<[String: Counter]>([:])
    private let durations = NIOLockedValueBox<[String: DurationHistogram]>([:])
    private let pushCounters = NIOLockedValueBox<[String: Counter]>([:])
    let connections: Gauge
    let subscribers: Gauge
    let commitBatchSize: ValueHistogram
    let conflicts: Counter

    static let latencyBuckets: [Duration] = [
        .microseconds(100), .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2.5),
        .milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
        .seconds(1),
    ]

    public init() {
        self.connections = self.registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "galley", metricName: "connections", unitName: "open", helpText: "Open client connections.")
        )
        self.subscribers = self.registry.makeGauge(
            descriptor: MetricNameDescriptor(namespace: "galley", metricName: "sync_subscribers", unitName: "count", helpText: "Connections subscribed to sync.changed.")
        )
        self.commitBatchSize = self.registry.makeValueHistogram(
            descriptor: MetricNameDescriptor(namespace: "galley", metricName: "commit_batch", unitName: "changesets", helpText: "Changesets per durable transaction (group commit)."),
            buckets: [1, 2, 4, 8, 16, 32, 64, 128, 256]
        )
        self.conflicts = self.registry.makeCounter(
            descriptor: MetricNameDescriptor(namespace: "galley", metricName: "version_conflicts", unitName: "total", helpText: "Changesets refused with -32009.")
        )
    }

    /// Counts one answered request and its latency. `method` must be a served method name or
    /// "unknown", so a client cannot grow the label set.
    func recordRequest(method: String, outcome: String, duration: Duration) {
        let key = method + "\u{0}" + outcome
        let counter = self.requestCounters.withLockedValue { counters in
            if let existing = counters[key] { return existing }
            let made = self.registry.makeCounter(
                descriptor: MetricNameDescriptor(namespace: "galley", metricName: "requests", unitName: "total", helpText: "Requests answered, by method and outcome."),
                labels: [("method", method), ("outcome", outcome)]
            )
            counters[key] = made
            return made
        }
        counter.increment()
        let histogram = self.durations.withLockedValue { histograms in
            if let existing = histograms[method] { return existing }
            let made = self.registry.makeDurationHistogram(
                descriptor: MetricNameDescriptor(namespace: "galley", metricName: "request_duration", unitName: "seconds", helpText: "Time to answer a request, by method."),
                labels: [("method", method)],
                buckets: Self.latencyBuckets
            )
            histograms[method] = made
            return made
        }
        histogram.record(duration)
        if outcome == "version_conflict" { self.conflicts.increment() }
    }

    /// Counts one pushed changeset by its status (applied, replayed, conflict, rejected).
    func recordPush(status: String) {
        let counter = self.pushCounters.withLockedValue { counters in
            if let existing = counters[status] { return existing }
            let made = self.registry.makeCounter(
                descriptor: MetricNameDescriptor(namespace: "galley", metricName: "sync_pushed_changesets", unitName: "total", helpText: "Changesets received through sync.push, by status."),
                labels: [("status", status)]
            )
            counters[status] = made
            return made
        }
        counter.increment()
    }

    /// The Prometheus text exposition.
    public func text() -> String {
        self.registry.emitToString()
    }

    /// The same figures as samples: `[{name, labels, value}]`.
    public func samples() -> [JSONValue] {
        var samples: [JSONValue] = []
        for line in self.text().split(separator: "\n") where !line.hasPrefix("#") {
            guard let space = line.lastIndex(of: " ") else { continue }
            let series = line[..<space]
            let value = String(line[line.index(after: space)...])
            var name = String(series)
            var labels = JSONObject()
            if let brace = series.firstIndex(of: "{"), series.hasSuffix("}") {
                name = String(series[..<brace])
                let inner = series[series.index(after: brace)..<series.index(before: series.endIndex)]
                for pair in inner.split(separator: ",") {
                    let parts = pair.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2 else { continue }
                    var text = Substring(parts[1])
                    if text.hasPrefix("\"") { text = text.dropFirst() }
                    if text.hasSuffix("\"") { text = text.dropLast() }
                    labels[String(parts[0])] = .string(String(text))
                }
            }
            let number = Double(value).map { JSONValue.number(JSONNumber($0)) } ?? .string(value)
            samples.append(["name": .string(name), "labels": .object(labels), "value": number])
        }
        return samples
    }
}
