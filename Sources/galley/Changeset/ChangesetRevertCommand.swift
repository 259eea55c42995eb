import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley changeset revert`: undoes a changeset with a new one.
struct ChangesetRevertCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "revert",
        abstract: "Undo changeset SEQ with a new changeset (created entities deleted, deleted ones restored).",
        discussion: """
            When a later changeset changed the same fields, the revert is a conflict (exit 4) unless --force.

            Examples:
              galley changeset revert 42 -m "Published by mistake"
              galley changeset revert 42 --force -m "Undo the bulk retag"
            """
    )

    @Argument(help: "The seq of the changeset to undo.") var seq: Int
    @Flag(help: "Revert even fields that later changesets changed again.") var force = false
    @OptionGroup var write: WriteOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let message = try self.write.resolvedMessage()
        let result = try await self.connection.withBackend { backend in
            try await backend.revert(seq: self.seq, id: EntityWriter.newChangesetID(), message: message, force: self.force)
        }
        Terminal.write(Presenters.commitSummary(result))
    }
}
