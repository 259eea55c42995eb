import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// Where the server is and how to authenticate; shared by every online command.
struct ConnectionOptions: ParsableArguments {
    @Option(name: .long, help: "The server, HOST:PORT (env GALLEY_SERVER; default 127.0.0.1:7420). Inside a replica, only this flag goes online.")
    var server: String?

    @Option(name: .long, help: "Work in the replica at PATH (default: the replica at or above the current directory, if any).")
    var replica: String?

    @OptionGroup var credentials: TokenOptions
    @OptionGroup var tls: TLSOptions

    var serverAddress: String {
        self.server ?? ProcessInfo.processInfo.environment["GALLEY_SERVER"] ?? "127.0.0.1:7420"
    }

    /// The token from --token, --token-file or GALLEY_TOKEN, in that order; nil for none.
    func resolvedToken() throws -> String? {
        try self.credentials.resolvedToken()
    }
}

/// How to authenticate: shared by online commands and the replica commands.
struct TokenOptions: ParsableArguments {
    @Option(name: .long, help: "The access token (env GALLEY_TOKEN). Prefer --token-file: command lines are visible to other users.")
    var token: String?

    @Option(name: .long, help: "A file holding the access token, e.g. galley-data/admin.token.")
    var tokenFile: String?

    /// The token from --token, --token-file or GALLEY_TOKEN, in that order; nil for none.
    func resolvedToken() throws -> String? {
        if let token { return token }
        if let tokenFile {
            do {
                return try String(contentsOfFile: tokenFile, encoding: .utf8).trimmingCharacters(in: .whitespacesAndNewlines)
            } catch {
                throw ValidationError("cannot read --token-file \(tokenFile): \(error.localizedDescription)")
            }
        }
        if let token = ProcessInfo.processInfo.environment["GALLEY_TOKEN"], !token.isEmpty { return token }
        return nil
    }
}

extension ConnectionOptions {
    /// The backend this command works on: the replica at or above the working directory (or
    /// --replica), else the server (see `BackendResolver.open`: inside a replica only an explicit
    /// --server goes online).
    func openBackend() async throws -> any ContentBackend {
        try await BackendResolver.open(
            explicitServer: self.server,
            replica: self.replica,
            environment: ProcessInfo.processInfo.environment,
            token: try self.resolvedToken(),
            tls: try self.tls.resolved()
        )
    }

    /// Opens the backend, runs `body` with it, and closes it whatever happens.
    func withBackend<T>(_ body: (any ContentBackend) async throws -> T) async throws -> T {
        let backend = try await self.openBackend()
        do {
            let result = try await body(backend)
            await backend.close()
            return result
        } catch {
            await backend.close()
            throw error
        }
    }
}
