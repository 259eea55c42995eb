import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley media usage`: the live articles using a media item.
struct MediaUsageCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "usage",
        abstract: "List the live articles that use a media item, as lead or in the body.",
        discussion: """
            Examples:
              galley media usage 0190a6e2-7c1f-7b3e-9a4d-2f5e8c1b0a93
              galley media usage 0190a6e2-7c1f-7b3e-9a4d-2f5e8c1b0a93 --ids
            """
    )

    @Argument(help: "The media item's id.") var media: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let items = try await self.connection.withBackend { backend in try await backend.mediaUsage(id: self.media) }
        Terminal.write(Listing.render(items, columns: Presenters.mediaUseColumns, format: self.output.resolved, width: Terminal.width))
    }
}
