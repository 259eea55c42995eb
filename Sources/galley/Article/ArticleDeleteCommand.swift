import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley article delete`: deletes an article and its links.
struct ArticleDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete an article (its related-story links go with it, in the same changeset).",
        discussion: """
            Undo with `galley changeset revert SEQ`.

            Examples:
              galley article delete ferries-return-to-the-bosphorus -m "Duplicate story"
            """
    )

    @Argument(help: "The article's slug or id.") var article: String
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let message = try self.write.resolvedMessage()
        let outcome = try await self.connection.withBackend { backend in
            try await EntityWriter.delete(.article, self.article, message: message, backend: backend)
        }
        WriteOutput.print(outcome, format: self.output.resolved)
    }
}
