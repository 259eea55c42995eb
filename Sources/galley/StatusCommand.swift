import ArgumentParser
import GalleyModel
import GalleySync

/// `galley status`: where the replica stands.
struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show the replica's cursor, the server head, pending edits, conflicts and last contact.",
        discussion: """
            Works offline: it reads only the replica.

            Example:
              galley status
            """
    )

    @OptionGroup var options: ReplicaOptions

    func run() async throws {
        try await CommandErrors.run {
            let replica = try self.options.open()
            let status = try replica.status()
            let position = status.position
            print("replica      \(replica.directory)")
            print("server       \(status.server)")
            print("cursor       \(position.cursor ?? "(none: the next pull starts a snapshot)")")
            if let consistentAt = position.consistentAt {
                print("consistent   at changeset \(consistentAt); server head \(position.serverHead.map(String.init) ?? "?") when last heard")
            } else {
                print("consistent   not yet: the clone is incomplete (\(position.pulledEntities) entities so far); run `galley pull`")
            }
            let counts = EntityType.allCases.map { "\(status.entities[$0] ?? 0) \($0.rawValue)" }.joined(separator: ", ")
            print("entities     \(counts)")
            print("pending      \(status.pendingChangesets) changeset(s) to push (\(status.waitingChangesets) waiting, \(status.rejectedChangesets) refused)")
            print("conflicts    \(status.openConflicts) open")
            print("last contact \(position.lastContactAt ?? "never")")
        }
    }
}
