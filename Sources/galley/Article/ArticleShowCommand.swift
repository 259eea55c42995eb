import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley article show`: one article as a person reads it.
struct ArticleShowCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Show an article: headline, facts, lead media credit, body and related stories.",
        discussion: """
            Examples:
              galley article show delegations-meet-in-istanbul
              galley article show 0190a6e2-7c20-7c41-8b2e-5d9f0a6c3e11 --version 2
              galley article show delegations-meet-in-istanbul --json | jq .readingMinutes
            """
    )

    @Argument(help: "The article's slug or id.") var article: String
    @Option(help: "Show it as it was at this version.") var version: Int?
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let format = self.output.resolved
        let (article, related) = try await self.connection.withBackend { backend in
            let article = try await backend.article(self.article, version: self.version)
            guard format == .table || format == .tsv, article["deleted"] != true else { return (article, [JSONObject]()) }
            return (article, try await backend.links(articleID: Listing.plain(article["id"]), inbound: false))
        }
        Terminal.write(Listing.render(article, text: { Presenters.articleText(article, related: related) }, format: format))
    }
}
