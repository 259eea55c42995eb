import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley bulk update`: one change to every selected entity.
struct BulkUpdateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "update",
        abstract: "Set, unset or retag fields of every selected article or media item (a dry run unless --apply).",
        discussion: """
            Prints how many entities would change and a sample diff; --apply commits, in changesets of at most 10,000 ops that share the message. Each changeset's id is derived from the run's parameters and its number, so re-running an interrupted run skips what it committed. Each update is based on the version read: a concurrent edit of the same field is a conflict (exit 4), any other concurrent edit is kept.

            Examples:
              galley bulk update --where section=world --where status=draft --set status=published -m "Publish world"
              galley bulk update --type media --where query=reuters --set credit.source=Reuters -m "Fix agency credit" --apply
              galley bulk update --where tag=kyiv --add-tag ukraine --remove-tag kyiv -m "Retag" --apply
              galley article list --section sport --ids --all | galley bulk update --ids - --set section=sports -m "Rename" --apply
            """
    )

    @Option(name: .customLong("set"), help: "FIELD=VALUE to set (repeatable; credit.source=... for media; FIELD:=JSON for JSON).")
    var assignments: [String] = []
    @Option(help: "A field to remove (repeatable).") var unset: [String] = []
    @Option(help: "Add this tag (repeatable; articles).") var addTag: [String] = []
    @Option(help: "Remove this tag (repeatable; articles).") var removeTag: [String] = []
    @OptionGroup var bulk: BulkOptions

    func run() async throws {
        let changes = try FieldChanges.parse(
            assignments: self.assignments, unset: self.unset, addTags: self.addTag, removeTags: self.removeTag, type: try self.bulk.entityType
        )
        if changes.isEmpty { throw CLIError.usage("nothing to change: give --set FIELD=VALUE, --unset FIELD, --add-tag or --remove-tag") }
        try await self.bulk.run(.update(changes))
    }
}
