import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley changeset list`: the log, newest first.
struct ChangesetListCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "list",
        abstract: "List committed changesets, newest first.",
        discussion: """
            Examples:
              galley changeset list --limit 10
              galley changeset list --author desk-tool --after 100
              galley changeset list --entity 0190a6e2-7c20-7c41-8b2e-5d9f0a6c3e11
            """
    )

    @Option(help: "Only changesets after this seq.") var after: Int?
    @Option(help: "Only changesets before this seq.") var before: Int?
    @Option(help: "Only changesets by this principal (token name).") var author: String?
    @Option(help: "Only changesets that touched this entity (id).") var entity: String?
    @Option(help: "At most this many (default 50).") var limit: Int = 50
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func validate() throws {
        if self.limit < 1 { throw ValidationError("--limit must be at least 1") }
    }

    func run() async throws {
        var filter = ChangesetFilter(after: self.after, before: self.before, author: self.author, entityID: self.entity)
        filter.pageSize = min(self.limit, 500)
        let items = try await self.connection.withBackend { backend in
            try await backend.all(limit: self.limit) { try await backend.changesets(filter, cursor: $0) }
        }
        // A replica lists its queue: changesets without a seq yet, named by their ids.
        let idKey = items.contains { $0["seq"]?.isNull ?? true } ? "id" : "seq"
        Terminal.write(Listing.render(items, columns: Presenters.changesetColumns, format: self.output.resolved, width: Terminal.width, idKey: idKey))
    }
}
