import ArgumentParser
import Foundation
import GalleyClient
import GalleySync

/// Which replica a command works on, and how it authenticates to the replica's server.
struct ReplicaOptions: ParsableArguments {
    @Option(name: .long, help: "The replica directory (default: found by walking up from the current directory, like git).")
    var replica: String?

    @OptionGroup var credentials: TokenOptions
    @OptionGroup var tls: TLSOptions

    /// Opens the replica named by --replica, or the one at or above the current directory.
    func open() throws -> Replica {
        if let path = self.replica { return try Replica.open(at: path) }
        let here = FileManager.default.currentDirectoryPath
        guard let found = Replica.find(from: here) else { throw ReplicaError.notAReplica(here) }
        return try Replica.open(at: found)
    }

    /// A connection to the replica's server, with the given token or the one the replica saved,
    /// over TLS checked against the pin the replica saved (or the TLS options given).
    func connect(_ replica: Replica) async throws -> GalleyClient {
        try await ReplicaSync.connect(replica, token: try self.credentials.resolvedToken(), tls: try self.tls.resolved())
    }

    /// Opens the replica, connects, runs `body` with a sync session and a progress display, and
    /// closes the connection.
    func withSync(_ body: (ReplicaSync, ProgressDisplay) async throws -> Void) async throws {
        let replica = try self.open()
        let client = try await self.connect(replica)
        let display = ProgressDisplay()
        do {
            try await body(ReplicaSync(replica: replica, client: client), display)
        } catch {
            display.finish()
            await client.close()
            throw error
        }
        display.finish()
        await client.close()
    }
}
