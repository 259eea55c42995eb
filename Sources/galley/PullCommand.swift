import ArgumentParser
import GalleySync

/// `galley pull`: brings the server's changes into the replica.
struct PullCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pull",
        abstract: "Bring the server's changes into the replica (merging them with local edits).",
        discussion: """
            Fields changed only on the server are taken; fields you changed that the server changed \
            differently become conflicts (see `galley conflicts`). Also finishes an interrupted clone.

            Example:
              galley pull
            """
    )

    @OptionGroup var options: ReplicaOptions

    func run() async throws {
        try await CommandErrors.run {
            try await self.options.withSync { sync, display in
                let summary = try await sync.pull(progress: display.update)
                display.finish()
                print("Pulled \(summary.entities) entities; consistent at changeset \(summary.consistentAt ?? 0) of \(summary.head).")
                try Report.conflicts(summary.conflicts, replica: sync.replica)
            }
        }
    }
}

/// Lines several commands print.
enum Report {
    /// Mentions open conflicts and exits 4 when there are any.
    static func conflicts(_ found: Int, replica: Replica) throws {
        let open = try replica.status().openConflicts
        guard open > 0 else { return }
        print("\(open) open conflict(s)\(found > 0 ? " (\(found) new)" : ""): see `galley conflicts`, then `galley resolve ID --mine|--theirs|--set field=value`.")
        throw ExitCode(4)
    }

    static func push(_ summary: PushSummary) {
        print("Pushed: \(summary.applied) applied, \(summary.replayed) already applied, \(summary.conflicts) conflict(s), \(summary.rejected) refused; \(summary.waiting) waiting.")
    }
}
