import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley article set`: changes fields of one article.
struct ArticleSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Change fields of an article: field=value ... [--unset field] -m \"why\".",
        discussion: """
            Values are text; tags, bylines and body take JSON (field:=JSON forces JSON for any field). Only fields whose value changes are sent, based on the version read: a concurrent change of the same fields is a conflict (exit 4).

            Examples:
              galley article set ferries-return headline="Ferries are back" section=world -m "Sharper headline"
              galley article set ferries-return tags='["transport","istanbul"]' -m "Retag"
              galley article set ferries-return --tag transport --tag istanbul -m "Retag"
              galley article set ferries-return --add-tag ferries --unset subheadline -m "Tidy"
            """
    )

    @Argument(help: "The article's slug or id.") var article: String
    @Argument(help: "Assignments field=value (or field:=JSON).") var assignments: [String] = []
    @Option(help: "Remove this field (repeatable).") var unset: [String] = []
    @Option(name: .customLong("tag"), help: "Set the tags to these (repeatable).") var tags: [String] = []
    @Option(help: "Add this tag (repeatable).") var addTag: [String] = []
    @Option(help: "Remove this tag (repeatable).") var removeTag: [String] = []
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        var assignments = self.assignments
        if !self.tags.isEmpty {
            assignments.append("tags:=" + JSONWriter.string(.array(self.tags.map { .string($0) })))
        }
        let changes = try FieldChanges.parse(assignments: assignments, unset: self.unset, addTags: self.addTag, removeTags: self.removeTag, type: .article)
        if changes.isEmpty { throw CLIError.usage("nothing to change: give field=value, --unset, --tag, --add-tag or --remove-tag") }
        let message = try self.write.resolvedMessage()
        let outcome = try await self.connection.withBackend { backend in
            try await EntityWriter.update(.article, self.article, changes: changes, message: message, backend: backend)
        }
        WriteOutput.print(outcome, format: self.output.resolved)
    }
}
