import ArgumentParser

/// `galley article ...`: article commands (inside a replica for now).
struct ArticleCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "article",
        abstract: "Create and edit articles in a replica (queued for `galley push`).",
        subcommands: [ArticleNewCommand.self, ArticleSetCommand.self]
    )
}
