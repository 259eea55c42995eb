import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley link list`: an article's related stories in order.
struct LinkListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List an article's related-story links in order (or, with --in, the links to it).",
        discussion: """
            Examples:
              galley link list delegations-meet-in-istanbul
              galley link list delegations-meet-in-istanbul --in --ids
            """
    )

    @Argument(help: "The article's slug or id.") var article: String
    @Flag(name: .customLong("in"), help: "The links from other articles to this one.") var inbound = false
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let items = try await self.connection.withBackend { backend in
            let article = try await backend.article(self.article, version: nil)
            return try await backend.links(articleID: Listing.plain(article["id"]), inbound: self.inbound)
        }
        Terminal.write(Listing.render(items, columns: Presenters.linkColumns, format: self.output.resolved, width: Terminal.width))
    }
}
