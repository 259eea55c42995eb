import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley article archive`: sets the status to `archived`.
struct ArticleArchiveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Archive an article (status archived).",
        discussion: """
            Examples:
              galley article archive ferries-return-to-the-bosphorus -m "Why"
            """
    )

    @OptionGroup var options: ArticleStatusOptions

    func run() async throws {
        try await self.options.apply(status: "archived")
    }
}
