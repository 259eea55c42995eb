import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley article list`: summaries, newest change first.
struct ArticleListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List articles, newest change first.",
        discussion: """
            Examples:
              galley article list --section world --status draft
              galley article list --query "ceasefire talks" --limit 10
              galley article list --tag ukraine --ids | galley bulk update --ids - --add-tag europe -m "Tag Europe" --apply
            """
    )

    @Option(help: "Only this section, e.g. world.") var section: String?
    @Option(help: "Only this status: draft, published or archived.") var status: String?
    @Option(help: "Only articles with this tag.") var tag: String?
    @Option(help: "Full-text search over headline, subheadline and body.") var query: String?
    @Option(help: "Only articles changed after this time (RFC 3339, e.g. 2025-06-01T00:00:00Z).") var updatedAfter: String?
    @Option(help: "At most this many articles (default 50).") var limit: Int = 50
    @Flag(help: "Every matching article (ignores --limit).") var all = false
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if self.limit < 1 { throw ValidationError("--limit must be at least 1") }
        if let status, !["draft", "published", "archived"].contains(status) {
            throw ValidationError("--status must be draft, published or archived")
        }
    }

    func run() async throws {
        let filter = ArticleFilter(section: self.section, status: self.status, tag: self.tag, query: self.query, updatedAfter: self.updatedAfter)
        let items = try await self.connection.withBackend { backend in
            var paged = filter
            paged.pageSize = self.all ? 500 : min(self.limit, 500)
            return try await backend.all(limit: self.all ? nil : self.limit) { try await backend.articles(paged, cursor: $0) }
        }
        Terminal.write(Listing.render(items, columns: Presenters.articleColumns, format: self.output.resolved, width: Terminal.width))
    }
}
