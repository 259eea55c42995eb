import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley changeset show`: one changeset and its ops.
struct ChangesetShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a changeset (by seq or id): message, author and every op with the version it produced.",
        discussion: """
            Examples:
              galley changeset show 42
              galley changeset show 42 --json
            """
    )

    @Argument(help: "The changeset's seq or id.") var changeset: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let seq = Int(self.changeset)
        guard seq != nil || ContentRules.isUUID(self.changeset) else { throw ValidationError("give a changeset's seq (a number) or id (a UUID)") }
        let found = try await self.connection.withBackend { backend in
            try await backend.changeset(seq: seq, id: seq == nil ? self.changeset : nil)
        }
        guard let found else { throw CLIError.server("no changeset \(self.changeset); `galley changeset list` shows the recent ones") }
        Terminal.write(Listing.render(found, text: { Presenters.changesetText(found) }, format: self.output.resolved, idKey: found["seq"]?.isNull ?? true ? "id" : "seq"))
    }
}
