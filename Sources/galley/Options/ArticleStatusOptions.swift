import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// What `article publish|unpublish|archive` share: the article, the message, the output.
struct ArticleStatusOptions: ParsableArguments {
    @Argument(help: "The article's slug or id.") var article: String
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    /// Sets the article's status (nothing is committed when it already has it).
    func apply(status: String) async throws {
        let changes = try FieldChanges.parse(assignments: ["status=\(status)"], unset: [], type: .article)
        let message = try self.write.resolvedMessage()
        let outcome = try await self.connection.withBackend { backend in
            try await EntityWriter.update(.article, self.article, changes: changes, message: message, backend: backend)
        }
        WriteOutput.print(outcome, format: self.output.resolved)
    }
}
