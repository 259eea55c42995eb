import ArgumentParser
import GalleyModel
import GalleySync
import JSONRPC

/// `galley article set ID|SLUG field=value... -m MESSAGE`: an edit in the replica.
struct ArticleSetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Set fields of an article in the replica (one changeset, queued for push).",
        discussion: """
            Values are JSON when they parse as JSON (numbers, true, ["a","b"], "quoted text"),
            plain text otherwise.

            Examples:
              galley article set council-approves-the-budget 'headline=Council passes the budget' -m "Sharper headline"
              galley article set 0190a6e2-7c20-7c41-8b2e-5d9f0a6c3e11 'tags=["budget","council"]' --unset subheadline -m "Retag"
            """
    )

    @Argument(help: "The article's id or slug.")
    var article: String

    @Argument(help: "field=value assignments.")
    var assignments: [String] = []

    @Option(name: .long, help: "A field to remove; repeat for several.")
    var unset: [String] = []

    @Option(name: [.short, .long], help: "Why: the changeset's message.")
    var message: String

    @OptionGroup var options: ReplicaOptions

    func validate() throws {
        if self.assignments.isEmpty && self.unset.isEmpty { throw ValidationError("give at least one field=value or --unset field") }
        for assignment in self.assignments { _ = try FieldAssignment.parse(assignment) }
    }

    func run() async throws {
        try await CommandErrors.run {
            let replica = try self.options.open()
            let id: String
            if ContentRules.isUUID(self.article) {
                id = self.article.lowercased()
            } else if let found = try replica.articleID(slug: self.article) {
                id = found
            } else {
                throw ValidationError("no live article with id or slug \(self.article) in this replica")
            }
            var set = JSONObject()
            for assignment in self.assignments {
                let (field, value) = try FieldAssignment.parse(assignment)
                set[field] = value
            }
            let edit = try replica.update(.article, id, set: set, unset: self.unset, message: self.message)
            print("Queued changeset \(edit.changesetID) for article \(id).")
        }
    }
}
