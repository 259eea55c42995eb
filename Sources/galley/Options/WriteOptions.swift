import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `-m/--message`: why a write is made (asked for at a terminal when missing).
struct WriteOptions: ParsableArguments {
    @Option(name: [.short, .long], help: "Why you make this change; stored with the changeset.")
    var message: String?

    /// The message, asked for at a terminal; a usage error in a script.
    func resolvedMessage() throws -> String {
        try ChangesetMessage.resolve(self.message)
    }
}
