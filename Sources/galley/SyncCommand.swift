import ArgumentParser
import Dispatch
import Foundation
import GalleyClient
import GalleySync

/// `galley sync [--watch]`: pull, push, pull; or keep doing it.
struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "Pull, push, then pull again; with --watch, stay in step until Ctrl-C.",
        discussion: """
            --watch subscribes to the server's change notifications, pulls when others commit, \
            pushes whenever you edit (from any shell), and reconnects with backoff when the \
            network goes. Ctrl-C stops it cleanly.

            Examples:
              galley sync
              galley sync --watch
            """
    )

    @OptionGroup var options: ReplicaOptions

    @Flag(name: .long, help: "Keep syncing until interrupted.")
    var watch = false

    func run() async throws {
        try await CommandErrors.run {
            if self.watch {
                try await self.watchUntilInterrupted(try self.options.open())
                return
            }
            try await self.options.withSync { sync, display in
                let (pulled, pushed) = try await sync.sync(progress: display.update)
                display.finish()
                Report.push(pushed)
                print("Consistent at changeset \(pulled.consistentAt ?? 0) of \(pulled.head).")
                try Report.conflicts(pulled.conflicts + pushed.conflicts, replica: sync.replica)
            }
        }
    }

    private func watchUntilInterrupted(_ replica: Replica) async throws {
        let token = try self.options.credentials.resolvedToken() ?? replica.savedToken()
        guard let token else { throw ReplicaError.noToken }
        let tls = try self.options.tls.resolved()
        let watcher = SyncWatcher(replica: replica, onEvent: Self.report) {
            try await ReplicaSync.connect(replica, token: token, tls: tls)
        }
        let task = Task { await watcher.run() }
        signal(SIGINT, SIG_IGN)
        signal(SIGTERM, SIG_IGN)
        let sources = [SIGINT, SIGTERM].map { DispatchSource.makeSignalSource(signal: $0, queue: .main) }
        for source in sources {
            source.setEventHandler { task.cancel() }
            source.resume()
        }
        print("Watching \(replica.settings.server); Ctrl-C stops.")
        await task.value
        for source in sources { source.cancel() }
        print("Stopped.")
    }

    private static func report(_ event: WatchEvent) {
        let line: String? =
            switch event {
            case .connected: "connected"
            case .pulled(let summary) where summary.entities > 0: "pulled \(summary.entities) entities (changeset \(summary.consistentAt ?? 0))"
            case .pulled: nil
            case .pushed(let summary): "pushed \(summary.applied + summary.replayed), \(summary.conflicts) conflict(s), \(summary.waiting) waiting"
            case .disconnected(let reason, let retryAfter): "disconnected (\(reason)); retrying in \(retryAfter.formatted(.units(allowed: [.seconds, .milliseconds], width: .narrow)))"
            }
        if let line { FileHandle.standardOutput.write(Data((line + "\n").utf8)) }
    }
}
