import ArgumentParser

@main
struct Galley: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "galley",
        abstract: "The Galley command line: call the API, script edits, work offline.",
        discussion: """
            Exit codes: 0 success, 1 error from the server (printed with its data), 2 usage error,
            3 cannot connect.
            """,
        subcommands: [CallCommand.self]
    )
}
