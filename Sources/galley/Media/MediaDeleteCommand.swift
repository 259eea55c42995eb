import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley media delete`: deletes a media item no live article uses.
struct MediaDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete a media item (refused while a live article uses it: see `galley media usage`).",
        discussion: """
            Examples:
              galley media delete 0190a6e2-7c1f-7b3e-9a4d-2f5e8c1b0a93 -m "Rights expired"
            """
    )

    @Argument(help: "The media item's id.") var media: String
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let message = try self.write.resolvedMessage()
        let outcome = try await self.connection.withBackend { backend in
            try await EntityWriter.delete(.media, self.media, message: message, backend: backend)
        }
        WriteOutput.print(outcome, format: self.output.resolved)
    }
}
