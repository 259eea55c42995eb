import ArgumentParser

@main
struct Galley: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "galley",
        abstract: "The Galley command line: call the API, script edits, work offline.",
        discussion: """
            Exit codes: 0 success, 1 error from the server or the replica (printed with its data), \
            2 usage error, 3 cannot connect, 4 open conflicts (push, pull, sync).

            Working offline: `galley clone HOST:PORT DIR`, then inside DIR edit with \
            `galley article new|set`, and `galley sync` (or `galley sync --watch`) when online.
            """,
        subcommands: [
            CallCommand.self,
            CloneCommand.self,
            PullCommand.self,
            PushCommand.self,
            SyncCommand.self,
            StatusCommand.self,
            ConflictsCommand.self,
            ResolveCommand.self,
            ArticleCommand.self,
        ]
    )
}
