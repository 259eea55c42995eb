import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley link add`: links one article to another.
struct LinkAddCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a related-story link FROM → TO (by default after FROM's last link).",
        discussion: """
            Examples:
              galley link add delegations-meet-in-istanbul ceasefire-talks-stall -m "Related"
              galley link add delegations-meet-in-istanbul war-timeline --kind background --position 0 -m "Context first"
            """
    )

    @Argument(help: "The article the link is listed on (slug or id).") var from: String
    @Argument(help: "The article it points to (slug or id).") var to: String
    @Option(help: "related (default), follow-up, background or correction.") var kind: String?
    @Option(help: "0-based place among FROM's links (default: last).") var position: Int?
    @Option(help: "A label shown with the link.") var label: String?
    @OptionGroup var write: WriteOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let message = try self.write.resolvedMessage()
        let result = try await self.connection.withBackend { backend in
            let op = try await LinkPlanner.add(from: self.from, to: self.to, kind: self.kind, position: self.position, label: self.label, backend: backend)
            return try await backend.commit(ChangesetRequest(id: EntityWriter.newChangesetID(), message: message, ops: [op]))
        }
        Terminal.write(Presenters.commitSummary(result))
    }
}
