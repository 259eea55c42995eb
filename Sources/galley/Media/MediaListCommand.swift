import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley media list`: media with their credit lines.
struct MediaListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List media, newest change first, with their credit lines.",
        discussion: """
            Examples:
              galley media list --query Reuters
              galley media list --kind image --ids
            """
    )

    @Option(help: "Full-text search over caption, creator and source.") var query: String?
    @Option(help: "Only this kind: image, video, audio or graphic.") var kind: String?
    @Option(help: "At most this many items (default 50).") var limit: Int = 50
    @Flag(help: "Every matching item (ignores --limit).") var all = false
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if self.limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        var filter = MediaFilter(kind: self.kind, query: self.query)
        filter.pageSize = self.all ? 500 : min(self.limit, 500)
        let items = try await self.connection.withBackend { backend in
            try await backend.all(limit: self.all ? nil : self.limit) { try await backend.mediaItems(filter, cursor: $0) }
        }
        Terminal.write(Listing.render(items, columns: Presenters.mediaColumns, format: self.output.resolved, width: Terminal.width))
    }
}
