import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley link remove`: removes the link FROM → TO.
struct LinkRemoveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "remove",
        abstract: "Remove the related-story link FROM → TO (TO: the linked article's slug or id, or the link's id).",
        discussion: """
            Examples:
              galley link remove delegations-meet-in-istanbul ceasefire-talks-stall -m "Not related after all"
            """
    )

    @Argument(help: "The article the link is listed on (slug or id).") var from: String
    @Argument(help: "The linked article (slug or id) or the link's id.") var to: String
    @OptionGroup var write: WriteOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let message = try self.write.resolvedMessage()
        let result = try await self.connection.withBackend { backend in
            let op = try await LinkPlanner.remove(from: self.from, to: self.to, backend: backend)
            return try await backend.commit(ChangesetRequest(id: EntityWriter.newChangesetID(), message: message, ops: [op]))
        }
        Terminal.write(Presenters.commitSummary(result))
    }
}
