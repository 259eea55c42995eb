import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley bulk delete`: deletes every selected entity.
struct BulkDeleteCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "delete",
        abstract: "Delete every selected article or media item (a dry run unless --apply).",
        discussion: """
            Deleting an article deletes its links too. Each changeset can be undone with `galley changeset revert SEQ`.

            Examples:
              galley bulk delete --where section=test --where status=draft -m "Remove test drafts"
              galley bulk delete --where section=test --where status=draft -m "Remove test drafts" --apply
            """
    )

    @OptionGroup var bulk: BulkOptions

    func run() async throws {
        try await self.bulk.run(.delete)
    }
}
