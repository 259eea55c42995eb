import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley article history`: every version, newest first.
struct ArticleHistoryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history",
        abstract: "List an article's versions, newest first: who changed which fields, and why.",
        discussion: """
            Examples:
              galley article history delegations-meet-in-istanbul
              galley article show delegations-meet-in-istanbul --version 3   # read one of them
            """
    )

    @Argument(help: "The article's slug or id.") var article: String
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let items = try await self.connection.withBackend { backend in
            try await backend.all { try await backend.articleHistory(self.article, cursor: $0) }
        }
        Terminal.write(Listing.render(items, columns: Presenters.historyColumns, format: self.output.resolved, width: Terminal.width, idKey: "changesetId"))
    }
}
