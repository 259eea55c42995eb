import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley article unpublish`: sets the status to `draft`.
struct ArticleUnpublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "unpublish",
        abstract: "Take an article back to draft.",
        discussion: """
            Examples:
              galley article unpublish ferries-return-to-the-bosphorus -m "Why"
            """
    )

    @OptionGroup var options: ArticleStatusOptions

    func run() async throws {
        try await self.options.apply(status: "draft")
    }
}
