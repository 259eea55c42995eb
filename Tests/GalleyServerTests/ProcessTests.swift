import Foundation
import GalleyClient
import GalleyTestSupport
import JSONRPC
import JSONRPCTransport
import Testing

/// What only a real galleyd process shows: first start, signals, exit status, and the CLI.
@Suite(.serialized) struct ProcessTests {
    @Test func sigtermWithRequestsInFlightAnswersThemAndExitsZero() async throws {
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        // A shutdown timeout far beyond the wait below: the server must end each connection's
        // read loop itself (an open connection waits for its next message), not be cancelled.
        let server = try await ServerProcess.start(dataDirectory: directory, extraArguments: ["--shutdown-timeout", "600"])
        #expect(server.stderrText.contains("created the first admin token"))
        let idle = try await RawConnection.connect(host: "127.0.0.1", port: server.port)
        try await idle.send(#"{"jsonrpc":"2.0","id":0,"method":"auth.authenticate","params":{"token":"\#(server.adminToken)"}}"# + "\n")
        _ = try await idle.readLine()
        let raw = try await RawConnection.connect(host: "127.0.0.1", port: server.port)
        try await raw.send(#"{"jsonrpc":"2.0","id":0,"method":"auth.authenticate","params":{"token":"\#(server.adminToken)"}}"# + "\n")
        _ = try await raw.readLine()
        var burst = ""
        for id in 1...300 {
            burst += #"{"jsonrpc":"2.0","id":\#(id),"method":"token.create","params":{"name":"t\#(id)","role":"reader"}}"# + "\n"
        }
        try await raw.send(burst)
        // Wait for the first replies so requests are certainly in flight, then stop the server.
        #expect(try await raw.readLine() != nil)
        let status = try await server.stop(signal: SIGTERM, timeout: .seconds(60))
        #expect(status == 0)
        #expect(try await idle.readUntilClosed().isEmpty)
        // Every reply that was sent is whole; the connection then closed cleanly.
        let rest = try await raw.readUntilClosed()
        for line in rest.split(separator: "\n") {
            let reply = try JSONParser.parse(String(line))
            #expect(reply["result"]?["token"] != nil)
        }
        #expect(server.stderrText.contains("store closed"))

        // The data is intact and the server starts again on it, without a new admin token.
        let again = try await ServerProcess.start(dataDirectory: directory)
        #expect(!again.stderrText.contains("created the first admin token"))
        let client = try await GalleyClient.connect(to: again.address, token: again.adminToken)
        let tokens = try await client.call("token.list")["items"]?.arrayValue ?? []
        #expect(tokens.count >= 2)
        await client.close()
        #expect(try await again.stop(signal: SIGINT) == 0)
    }

    @Test func newerSchemaIsRefusedWithAClearMessage() async throws {
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        let created = try await runCommand(ServerProcess.executable("galleyd"), ["token", "create", "--name", "ci", "--role", "editor", "--data", directory])
        #expect(created.status == 0)
        #expect(created.stdout.hasPrefix("galley_"))
        let sqlite = try await runCommand(URL(fileURLWithPath: "/usr/bin/env"), ["python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.execute(\"INSERT INTO grdb_migrations VALUES ('9999_future')\"); c.commit()", directory + "/galley.sqlite"])
        #expect(sqlite.status == 0, "\(sqlite.stderr)")
        let refused = try await runCommand(ServerProcess.executable("galleyd"), ["--listen", "127.0.0.1:0", "--data", directory])
        #expect(refused.status != 0)
        #expect(refused.stderr.contains("newer than this galleyd knows"))
        #expect(refused.stderr.contains("9999_future"))
    }

    /// A second server on the same data directory would commit changes the first never hears
    /// of (it serves current reads from memory): it is refused; a token is still created beside
    /// the running server, and the lock goes with the server.
    @Test func aSecondServerOnTheSameDataDirectoryIsRefused() async throws {
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        let server = try await ServerProcess.start(dataDirectory: directory)
        let second = try await runCommand(ServerProcess.executable("galleyd"), ["--listen", "127.0.0.1:0", "--data", directory])
        #expect(second.status == 1)
        #expect(second.stderr.contains("another galleyd serves this data directory"), "\(second.stderr)")
        let token = try await runCommand(ServerProcess.executable("galleyd"), ["token", "create", "--name", "beside", "--role", "reader", "--data", directory])
        #expect(token.status == 0, "\(token.stderr)")
        #expect(try await server.stop(signal: SIGKILL) != 0)
        let again = try await ServerProcess.start(dataDirectory: directory)
        #expect(try await again.stop(signal: SIGTERM) == 0)
        // A data path where no lock file can be made is refused before any store is opened.
        let file = directory + "/not-a-directory"
        try "x".write(toFile: file, atomically: true, encoding: .utf8)
        let unusable = try await runCommand(ServerProcess.executable("galleyd"), ["--listen", "127.0.0.1:0", "--data", file])
        #expect(unusable.status == 1)
        #expect(unusable.stderr.contains("cannot open the lock file \(file)/galleyd.lock"), "\(unusable.stderr)")
    }

    @Test func galleyCallPrintsResultsErrorsAndRawBatches() async throws {
        let directory = try TemporaryDirectory.make()
        defer { TemporaryDirectory.remove(directory) }
        let server = try await ServerProcess.start(dataDirectory: directory)
        let galley = ServerProcess.executable("galley")
        let environment = ["GALLEY_SERVER": server.address]

        let info = try await runCommand(galley, ["call", "server.info"], environment: environment)
        #expect(info.status == 0)
        #expect(try JSONParser.parse(info.stdout)["name"] == "galleyd")

        let denied = try await runCommand(galley, ["call", "token.list"], environment: environment)
        #expect(denied.status == 1)
        #expect(denied.stderr.contains("-32001"))

        let listed = try await runCommand(galley, ["call", "token.list", "--token-file", directory + "/admin.token"], environment: environment)
        #expect(listed.status == 0)
        #expect(try JSONParser.parse(listed.stdout)["items"]?.arrayValue?.count == 1)

        let created = try await runCommand(
            galley,
            ["call", "token.create", #"{"name":"desk","role":"editor"}"#, "--compact"],
            environment: environment.merging(["GALLEY_TOKEN": server.adminToken]) { $1 }
        )
        #expect(created.status == 0)
        #expect(created.stdout.hasPrefix(#"{"token":"galley_"#))

        let batch = try await runCommand(
            galley,
            ["call", "-"],
            stdin: #"[{"jsonrpc":"2.0","id":1,"method":"server.info"},{"jsonrpc":"2.0","id":2,"method":"nope"}]"#,
            environment: environment
        )
        #expect(batch.status == 0)
        #expect(try JSONParser.parse(batch.stdout).arrayValue?.count == 2)

        let notifications = try await runCommand(galley, ["call", "-"], stdin: #"[{"jsonrpc":"2.0","method":"server.info"}]"#, environment: environment)
        #expect(notifications.status == 0)
        #expect(notifications.stdout.isEmpty)

        let unreachable = try await runCommand(galley, ["call", "server.info", "--server", "127.0.0.1:1"])
        #expect(unreachable.status == 3)

        // Usage errors exit 2 (not ArgumentParser's 64), whether ArgumentParser or the command finds them.
        let badParams = try await runCommand(galley, ["call", "server.info", "{not json"], environment: environment)
        #expect(badParams.status == 2)
        #expect(badParams.stderr.contains("PARAMS is not JSON"))
        let missingMethod = try await runCommand(galley, ["call"], environment: environment)
        #expect(missingMethod.status == 2)
        let rawWithParams = try await runCommand(galley, ["call", "-", "{}"], environment: environment)
        #expect(rawWithParams.status == 2)
        #expect(try await server.stop() == 0)
    }
}
