import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley media show`: one item, its credit and where it is used.
struct MediaShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show a media item: its credit line, credit fields and the articles using it.",
        discussion: """
            Examples:
              galley media show 0190a6e2-7c1f-7b3e-9a4d-2f5e8c1b0a93
              galley media show 0190a6e2-7c1f-7b3e-9a4d-2f5e8c1b0a93 --json
            """
    )

    @Argument(help: "The media item's id.") var media: String
    @Option(help: "Show it as it was at this version.") var version: Int?
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let format = self.output.resolved
        let (media, usage) = try await self.connection.withBackend { backend -> (JSONObject, [JSONObject]?) in
            let media = try await backend.media(id: self.media, version: self.version)
            guard format == .table || format == .tsv, media["deleted"] != true else { return (media, nil) }
            return (media, try await backend.mediaUsage(id: self.media))
        }
        Terminal.write(Listing.render(media, text: { Presenters.mediaText(media, usage: usage) }, format: format))
    }
}
