import GalleyTestSupport
import Foundation
import JSONRPC
import Testing

/// The tests of the `galley` CLI through real processes, one at a time: each starts galleyd and
/// runs many short-lived `galley` processes, which is load enough on a 2-core machine.
@Suite(.serialized) struct CLIProcessTests {}

/// A galleyd process and the `galley` binary pointed at it, for CLI tests through real processes.
struct CLIHarness {
    let server: ServerProcess
    let directory: String

    static func start() async throws -> CLIHarness {
        let directory = try TemporaryDirectory.make()
        let server = try await ServerProcess.start(dataDirectory: directory + "/galley-data")
        return CLIHarness(server: server, directory: directory)
    }

    var environment: [String: String] {
        ["GALLEY_SERVER": self.server.address, "GALLEY_TOKEN": self.server.adminToken, "EDITOR": "false", "VISUAL": "", "COLUMNS": ""]
    }

    /// Runs `galley ARGS` (piped, as scripts do) and returns its status and output.
    @discardableResult
    func galley(_ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], in directory: String? = nil) async throws -> (status: Int32, stdout: String, stderr: String) {
        try await runCommand(
            ServerProcess.executable("galley"), arguments, stdin: stdin, environment: self.environment.merging(environment) { $1 }, directory: directory
        )
    }

    /// Runs a galley command that must succeed; returns its stdout.
    @discardableResult
    func ok(
        _ arguments: [String], stdin: String? = nil, environment: [String: String] = [:], in directory: String? = nil, sourceLocation: SourceLocation = #_sourceLocation
    ) async throws -> String {
        let result = try await self.galley(arguments, stdin: stdin, environment: environment, in: directory)
        #expect(result.status == 0, "galley \(arguments.joined(separator: " ")): \(result.stderr)", sourceLocation: sourceLocation)
        return result.stdout
    }

    /// Parses stdout as JSON.
    func json(_ arguments: [String], in directory: String? = nil, sourceLocation: SourceLocation = #_sourceLocation) async throws -> JSONValue {
        try JSONParser.parse(try await self.ok(arguments + ["--json"], in: directory, sourceLocation: sourceLocation))
    }

    func stop() async throws {
        #expect(try await self.server.stop() == 0)
        TemporaryDirectory.remove(self.directory)
    }
}

extension String {
    var lines: [String] { self.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty } }
    var trimmed: String { self.trimmingCharacters(in: .whitespacesAndNewlines) }
}
