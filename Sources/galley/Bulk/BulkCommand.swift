import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley bulk ...`: one change to many entities.
struct BulkCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bulk",
        abstract: "Change or delete many articles or media at once (a dry run unless --apply).",
        subcommands: [BulkUpdateCommand.self, BulkDeleteCommand.self]
    )
}
