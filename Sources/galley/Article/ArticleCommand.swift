import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley article ...`: stories.
struct ArticleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "article",
        abstract: "List, show, create, change, edit and delete articles.",
        subcommands: [
            ArticleListCommand.self, ArticleShowCommand.self, ArticleHistoryCommand.self, ArticleNewCommand.self,
            ArticleSetCommand.self, ArticleEditCommand.self, ArticlePublishCommand.self, ArticleUnpublishCommand.self,
            ArticleArchiveCommand.self, ArticleDeleteCommand.self,
        ]
    )
}
