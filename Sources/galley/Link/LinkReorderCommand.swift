import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley link reorder`: puts FROM's related stories in the given order, in one changeset.
struct LinkReorderCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reorder",
        abstract: "Order FROM's related stories: the ones named first, in that order, then the rest as they were.",
        discussion: """
            One changeset updates the positions that change.

            Examples:
              galley link reorder delegations-meet-in-istanbul war-timeline ceasefire-talks-stall -m "Timeline first"
            """
    )

    @Argument(help: "The article whose links to order (slug or id).") var from: String
    @Argument(help: "Linked articles (slugs or ids) in the new order.") var order: [String]
    @OptionGroup var write: WriteOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if self.order.isEmpty { throw ValidationError("name the linked articles in their new order") }
    }

    func run() async throws {
        let message = try self.write.resolvedMessage()
        let result = try await self.connection.withBackend { backend -> JSONObject? in
            let ops = try await LinkPlanner.reorder(from: self.from, order: self.order, backend: backend)
            if ops.isEmpty { return nil }
            return try await backend.commit(ChangesetRequest(id: EntityWriter.newChangesetID(), message: message, ops: ops))
        }
        Terminal.write(result.map(Presenters.commitSummary) ?? "already in that order: nothing to commit\n")
    }
}
