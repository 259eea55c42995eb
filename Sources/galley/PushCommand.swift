import ArgumentParser
import GalleySync

/// `galley push`: sends the outbox.
struct PushCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "push",
        abstract: "Send local edits (the outbox) to the server, in order.",
        discussion: """
            Each local edit is one changeset with its own id, so pushing again after a lost \
            connection never applies anything twice. Edits that conflict wait (and so do later \
            edits of the same entities) until resolved; the others go. Exits 4 while conflicts \
            are open.

            Example:
              galley push
            """
    )

    @OptionGroup var options: ReplicaOptions

    func run() async throws {
        try await CommandErrors.run {
            try await self.options.withSync { sync, _ in
                let summary = try await sync.push()
                Report.push(summary)
                try Report.conflicts(summary.conflicts, replica: sync.replica)
            }
        }
    }
}
