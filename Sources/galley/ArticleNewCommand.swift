import ArgumentParser
import GalleySync
import JSONRPC

/// `galley article new --headline ... -m ...`: a new article in the replica.
struct ArticleNewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Create an article in the replica (queued for push); prints its id.",
        discussion: """
            The article is checked by the server's own rules first, so what the server would refuse
            is refused here with the same error.

            Example:
              galley article new --headline "Council approves the budget" --section local -m "First draft"
            """
    )

    @Option(name: .long, help: "The headline (1-300 characters).")
    var headline: String

    @Option(name: .long, help: "The section, e.g. world.")
    var section: String?

    @Option(name: .long, help: "The slug (default: derived from the headline).")
    var slug: String?

    @Option(name: .long, help: "draft (default), published or archived.")
    var status: String?

    @Option(name: .long, help: "A tag; repeat for several.")
    var tag: [String] = []

    @Option(name: [.short, .long], help: "Why: the changeset's message.")
    var message: String

    @OptionGroup var options: ReplicaOptions

    func run() async throws {
        try await CommandErrors.run {
            let replica = try self.options.open()
            var data: JSONObject = ["headline": .string(self.headline)]
            if let section { data["section"] = .string(section) }
            if let slug { data["slug"] = .string(slug) }
            if let status { data["status"] = .string(status) }
            if !self.tag.isEmpty { data["tags"] = .array(self.tag.map { .string($0) }) }
            let id = try replica.createArticle(data, message: self.message)
            print(id)
        }
    }
}
