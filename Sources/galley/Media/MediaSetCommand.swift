import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley media set`: changes fields and credit of one media item.
struct MediaSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Change a media item: field=value ... [--creator --source --license ...] [--unset field] -m \"why\".",
        discussion: """
            Credit members are paths: credit.source=Reuters is the same as --source Reuters. width, height and credit take JSON.

            Examples:
              galley media set 0190a6e2-7c1f-7b3e-9a4d-2f5e8c1b0a93 --creator "J. Doe" --source Reuters -m "Fix credit"
              galley media set 0190a6e2-7c1f-7b3e-9a4d-2f5e8c1b0a93 caption="Ferries at dawn" --unset altText -m "Caption"
            """
    )

    @Argument(help: "The media item's id.") var media: String
    @Argument(help: "Assignments field=value (or field:=JSON; credit.member=value).") var assignments: [String] = []
    @Option(help: "Remove this field (repeatable; credit.member for one credit field).") var unset: [String] = []
    @OptionGroup var credit: CreditOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let changes = try FieldChanges.parse(assignments: self.assignments + self.credit.assignments, unset: self.unset, type: .media)
        if changes.isEmpty { throw CLIError.usage("nothing to change: give field=value, --creator/--source/--license or --unset") }
        let message = try self.write.resolvedMessage()
        let outcome = try await self.connection.withBackend { backend in
            try await EntityWriter.update(.media, self.media, changes: changes, message: message, backend: backend)
        }
        WriteOutput.print(outcome, format: self.output.resolved)
    }
}
