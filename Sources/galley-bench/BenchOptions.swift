import ArgumentParser
import Foundation

/// The options every scenario shares (each scenario reads the ones it needs), so `all` can pass
/// one set to every scenario.
struct BenchOptions: ParsableArguments {
    @Option(name: .long, help: "Measure this server, HOST:PORT, instead of starting galleyd (needs --token).")
    var server: String?

    @Option(name: .long, help: "Token for --server (editor or admin role: seeding writes).")
    var token: String?

    @Flag(name: .long, help: "Small sizes and 2 s runs: every scenario in seconds (the CI smoke test).")
    var quick = false

    @Option(name: .long, help: "Seconds each measured run lasts (default 10, 2 with --quick).")
    var duration: Double?

    @Option(name: .long, help: "Load connections (ping, read, write, idle).")
    var connections = 16

    @Option(name: .long, help: "Requests in flight on each load connection.")
    var depth = 16

    @Option(name: .long, help: "Seed of the generated content (same seed, same content).")
    var seed: UInt64 = 42

    @Flag(name: .long, help: "Seed articles only (one article create per changeset.commit, no photos or links), for servers that implement articles only.")
    var plainArticles = false

    @Option(name: .long, help: "Articles seeded for read (default 10,000, 1,000 with --quick).")
    var articles: Int?

    @Option(name: .long, help: "pull-history: the short history, in changesets (default 10,000; 1,000 with --quick).")
    var shortHistory: Int?

    @Option(name: .long, help: "pull-history: the long history, in changesets (default 1,000,000; 20,000 with --quick).")
    var longHistory: Int?

    @Option(name: .long, help: "pull-history: seconds seeding may take before the long history is capped.")
    var seedBudget: Double = 600

    @Option(name: .long, help: "idle: idle authenticated connections to hold open.")
    var idleConnections: Int?

    @Option(name: .long, help: "clone: articles on the server to clone (default 100,000; 1,000 with --quick).")
    var cloneArticles: Int?

    @Option(name: .long, help: "import: articles to import (default 10,000; 500 with --quick).")
    var importArticles: Int?

    @Option(name: .long, help: "Event-loop threads of the load client.")
    var clientThreads = 1

    @Option(name: .long, help: "The galleyd to start (default: the one next to galley-bench).")
    var galleyd: String?

    @Option(name: .long, help: "The galley CLI for clone and import (default: the one next to galley-bench).")
    var galley: String?

    func validate() throws {
        if (self.server == nil) != (self.token == nil) {
            throw ValidationError("--server and --token go together")
        }
        guard self.connections >= 1, self.depth >= 1 else { throw ValidationError("--connections and --depth must be at least 1") }
        guard self.depth <= 64 else { throw ValidationError("--depth is at most 64 (galleyd's default --max-in-flight)") }
        if let duration, duration <= 0 { throw ValidationError("--duration must be positive") }
        guard self.clientThreads >= 1 else { throw ValidationError("--client-threads must be at least 1") }
    }

    var measureSeconds: Double { self.duration ?? (self.quick ? 2 : 10) }
    var warmupSeconds: Double { self.quick ? 0.3 : 1 }
    var readArticles: Int { self.articles ?? (self.quick ? 1_000 : 10_000) }
    var shortHistoryLength: Int { self.shortHistory ?? (self.quick ? 1_000 : 10_000) }
    var longHistoryLength: Int { self.longHistory ?? (self.quick ? 20_000 : 1_000_000) }
    var idleConnectionCount: Int { self.idleConnections ?? 1_000 }
    var cloneArticleCount: Int { self.cloneArticles ?? (self.quick ? 1_000 : 100_000) }
    var importArticleCount: Int { self.importArticles ?? (self.quick ? 500 : 10_000) }

    /// A sibling executable of this one (galleyd, galley).
    static func sibling(_ name: String) -> String {
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return ((me as NSString).deletingLastPathComponent as NSString).appendingPathComponent(name)
    }

    var galleydPath: String { self.galleyd ?? Self.sibling("galleyd") }
    var galleyPath: String { self.galley ?? Self.sibling("galley") }
}
