import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley changeset ...`: the log of changes.
struct ChangesetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "changeset",
        abstract: "List and show committed changesets, and revert one.",
        subcommands: [ChangesetListCommand.self, ChangesetShowCommand.self, ChangesetRevertCommand.self]
    )
}
