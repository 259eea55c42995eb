import Foundation
import GalleyClient
import GalleyModel
import GalleyTestSupport
import JSONRPC
import Testing

@testable import GalleySync

/// The replica commands of the `galley` executable, end to end against a live server.
@Suite struct CommandLineTests {
    static let galley = BuiltProducts.executable("galley")

    @Test func theCommandLineClonesEditsSyncsAndResolvesConflicts() async throws {
        try await TestServer.with { server in
            let client = try await server.client()
            let id = UUID().uuidString.lowercased()
            try await client.commit([Fixtures.article("Budget vote tonight", id: id)])
            let parent = try TemporaryDirectory.make()
            defer { TemporaryDirectory.remove(parent) }
            let tokenFile = parent + "/token"
            try server.adminToken.write(toFile: tokenFile, atomically: true, encoding: .utf8)
            let directory = parent + "/desk"

            let clone = try await runCommand(Self.galley, ["clone", server.address, directory, "--token-file", tokenFile])
            #expect(clone.status == 0, "\(clone.stderr)")
            #expect(clone.stdout.contains("Cloned 1 entities"))
            #expect(clone.stderr.isEmpty, "no progress bar when piped")
            let mode = try FileManager.default.attributesOfItem(atPath: directory + "/.galley/token")[.posixPermissions] as? Int
            #expect(mode == 0o600)

            // Inside the replica (from a subdirectory: found by walking up), offline edits.
            let inside = directory + "/notes"
            try FileManager.default.createDirectory(atPath: inside, withIntermediateDirectories: true)
            let created = try await runCommand(Self.galley, ["article", "new", "--headline", "Written offline", "--section", "local", "-m", "draft", "--ids"], directory: inside)
            #expect(created.status == 0, "\(created.stderr)")
            let newID = created.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
            #expect(ContentRules.isUUID(newID))
            let edited = try await runCommand(Self.galley, ["article", "set", "budget-vote-tonight", "headline=Budget passes", "-m", "result"], directory: inside)
            #expect(edited.status == 0, "\(edited.stderr)")
            let refused = try await runCommand(Self.galley, ["article", "set", "budget-vote-tonight", "status=final", "-m", "bad"], directory: inside)
            #expect(refused.status == 2, "checked by the CLI before it reaches the replica")
            #expect(refused.stderr.contains("status must be one of"))
            // A rule only the model checks (a slug another live article holds) is refused by the
            // replica with the server's own error, and nothing is queued.
            let clash = try await runCommand(Self.galley, ["article", "set", "budget-vote-tonight", "slug=written-offline", "-m", "bad"], directory: inside)
            #expect(clash.status == 1)
            #expect(clash.stderr.contains("error -32010"), "\(clash.stderr)")
            let status = try await runCommand(Self.galley, ["status"], directory: inside)
            #expect(status.stdout.contains("pending      2 changeset(s)"), "\(status.stdout)")

            let synced = try await runCommand(Self.galley, ["sync"], directory: directory)
            #expect(synced.status == 0, "\(synced.stderr)")
            #expect(try await client.call("article.get", ["id": .string(id)])["headline"] == "Budget passes")
            #expect(try await client.call("article.get", ["id": .string(newID)])["section"] == "local")

            // The same field changed on both sides: exit 4, listed, resolved with one command.
            try await client.commit([Ops.update("article", id, set: ["headline": "Budget passes narrowly"])])
            _ = try await runCommand(Self.galley, ["article", "set", id, "headline=Budget passes at last", "-m", "mine"], directory: directory)
            let conflicted = try await runCommand(Self.galley, ["sync", "--replica", directory])
            #expect(conflicted.status == 4, "\(conflicted.stdout)\(conflicted.stderr)")
            let listed = try await runCommand(Self.galley, ["conflicts", "--json"], directory: directory)
            let conflicts = try JSONParser.parse(listed.stdout).arrayValue ?? []
            #expect(conflicts.count == 1)
            #expect(conflicts.first?["theirs"] == "Budget passes narrowly")
            #expect(conflicts.first?["mine"] == "Budget passes at last")
            let conflictID = try #require(conflicts.first?["id"]?.intValue)
            let resolved = try await runCommand(Self.galley, ["resolve", "\(conflictID)", "--set", "headline=Budget passes, narrowly", "-m", "agreed"], directory: directory)
            #expect(resolved.status == 0, "\(resolved.stderr)")
            let final = try await runCommand(Self.galley, ["sync"], directory: directory)
            #expect(final.status == 0, "\(final.stdout)\(final.stderr)")
            #expect(try await client.call("article.get", ["id": .string(id)])["headline"] == "Budget passes, narrowly")
            try await Fixtures.expectSameContent(try Replica.open(at: directory), server)
            await client.close()
        }
    }

    @Test func syncWatchStopsCleanlyOnInterrupt() async throws {
        try await TestServer.with { server in
            try await Fixtures.withReplicas(1, of: server) { replicas in
                let replica = replicas[0]
                try await Fixtures.pull(replica)
                let process = Process()
                process.executableURL = Self.galley
                process.arguments = ["sync", "--watch", "--replica", replica.directory]
                let output = Pipe()
                process.standardOutput = output
                process.standardError = FileHandle.nullDevice
                try process.run()
                let text = PipeDrain(output)
                for _ in 0..<500 where !text.text.contains("connected") {
                    try await Task.sleep(for: .milliseconds(10))
                }
                #expect(text.text.contains("connected"))
                kill(process.processIdentifier, SIGINT)
                for _ in 0..<500 where process.isRunning { try await Task.sleep(for: .milliseconds(10)) }
                #expect(!process.isRunning)
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                process.waitUntilExit()
                #expect(process.terminationStatus == 0)
                #expect(try replica.integrityCheck() == "ok")
            }
        }
    }
}
