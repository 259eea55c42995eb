import ArgumentParser

@main
struct Galleyd: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "galleyd",
        abstract: "The Galley content server: JSON-RPC 2.0 over TCP.",
        discussion: """
            Every option also reads an environment variable (named in its help); a flag on the \
            command line wins over the variable.

            Examples:
              galleyd                                   # 127.0.0.1:7420, data in ./galley-data
              galleyd --listen 127.0.0.1:0 --data /tmp/g --log-level debug
              galleyd token create --name desk-tool --role editor
            """,
        subcommands: [ServeCommand.self, MigrateCommand.self, CopyCommand.self, TokenCommand.self, BackupCommand.self, RestoreCommand.self, CheckCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}
