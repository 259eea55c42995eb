import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley media ...`: photos, videos, audio and graphics with their credits.
struct MediaCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "media",
        abstract: "List, show, create, change and delete media and their credits.",
        subcommands: [
            MediaListCommand.self, MediaShowCommand.self, MediaUsageCommand.self, MediaNewCommand.self, MediaSetCommand.self,
            MediaDeleteCommand.self,
        ]
    )
}
