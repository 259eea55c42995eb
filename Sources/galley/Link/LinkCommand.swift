import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley link ...`: related-story links between articles.
struct LinkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "link",
        abstract: "List, add, remove and reorder related-story links.",
        subcommands: [LinkListCommand.self, LinkAddCommand.self, LinkRemoveCommand.self, LinkReorderCommand.self]
    )
}
