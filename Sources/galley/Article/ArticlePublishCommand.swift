import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley article publish`: sets the status to `published`.
struct ArticlePublishCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "publish",
        abstract: "Publish an article (status published; publishedAt is set on the first publish).",
        discussion: """
            Examples:
              galley article publish ferries-return-to-the-bosphorus -m "Why"
            """
    )

    @OptionGroup var options: ArticleStatusOptions

    func run() async throws {
        try await self.options.apply(status: "published")
    }
}
