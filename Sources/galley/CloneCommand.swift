import ArgumentParser
import Foundation
import GalleyClient
import GalleySync
import JSONRPCTransport

/// `galley clone HOST:PORT DIR`: makes DIR a replica and pulls everything into it.
struct CloneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clone",
        abstract: "Make a local replica of a server for offline editing.",
        discussion: """
            Creates DIR/.galley/ (the replica database and its settings), authenticates and pulls \
            every entity, showing progress on a terminal. Each page is saved with its cursor, so a \
            clone that is interrupted resumes where it stopped: run the same command again (or \
            `galley pull` inside DIR). The token is saved in DIR/.galley/token (mode 0600) unless \
            --no-save-token; then give it to every later command.

            Examples:
              galley clone 127.0.0.1:7420 newsroom --token-file galley-data/admin.token
              GALLEY_TOKEN=... galley clone galley.internal:7420 ~/stories --no-save-token
              galley clone galley.example.org:7420 desk --tls --token-file desk.token

            Over TLS (--tls, --tls-ca or --tls-pin) the clone saves the pin of the server's \
            certificate in DIR/.galley/settings.json; every later pull, push and sync accepts \
            only that certificate.
            """
    )

    @Argument(help: "The server, HOST:PORT.")
    var server: String

    @Argument(help: "The directory to create (or an interrupted clone to resume).")
    var directory: String

    @OptionGroup var credentials: TokenOptions
    @OptionGroup var tls: TLSOptions

    @Flag(name: .long, help: "Do not save the token in the replica.")
    var noSaveToken = false

    @Option(name: .long, help: "Entities per page (1-5000).")
    var pageSize = 1000

    func validate() throws {
        guard (1...5000).contains(self.pageSize) else { throw ValidationError("--page-size must be between 1 and 5000") }
    }

    func run() async throws {
        try await CommandErrors.run {
            guard let token = try self.credentials.resolvedToken() else { throw ReplicaError.noToken }
            let tls = try self.tls.resolved()
            let replica = try Replica.create(at: self.directory, server: self.server, token: token, saveToken: !self.noSaveToken)
            let client: GalleyClient
            do {
                // Over TLS this saves the server certificate's pin in the replica's settings.
                client = try await ReplicaSync.connect(replica, token: token, tls: tls)
            } catch let error as ClientError {
                CommandErrors.say("galley: \(error)\nIs galleyd running there?")
                throw ExitCode(3)
            }
            let display = ProgressDisplay()
            let summary: PullSummary
            do {
                summary = try await ReplicaSync(replica: replica, client: client, pageLimit: self.pageSize).pull(progress: display.update)
            } catch {
                display.finish()
                await client.close()
                throw error
            }
            display.finish()
            await client.close()
            let status = try replica.status()
            let entities = status.entities.values.reduce(0, +)
            print("Cloned \(entities) entities from \(self.server) into \(replica.directory) (consistent at changeset \(summary.consistentAt ?? 0)).")
        }
    }
}
