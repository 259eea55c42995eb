import GalleyTestSupport
import Foundation
import GalleyClient
import JSONRPC
import Testing

extension CLIProcessTests {
    /// The README's "Scripting with galley" block runs as written and does what it says.
    @Suite struct CLIReadmeTests {
        /// The first ```sh block after the heading.
        static func firstBlock(under heading: String) throws -> String {
            let readme = try String(contentsOf: SharedFolder.repositoryRoot.appendingPathComponent("README.md"), encoding: .utf8)
            guard let section = readme.range(of: "## " + heading),
                let open = readme.range(of: "```sh\n", range: section.upperBound..<readme.endIndex),
                let close = readme.range(of: "\n```", range: open.upperBound..<readme.endIndex)
            else { throw TestFailure("README.md has no sh block under \"\(heading)\"") }
            return String(readme[open.upperBound..<close.lowerBound])
        }

        static func scriptingBlock() throws -> String { try Self.firstBlock(under: "Scripting with galley") }

        @Test func readmeOfflineSectionRunsAsWrittenAndItsEditsReachTheServer() async throws {
            let directory = try TemporaryDirectory.make()
            defer { TemporaryDirectory.remove(directory) }
            let server = try await ServerProcess.start(dataDirectory: directory + "/galley-data")
            let script = try Self.firstBlock(under: "Working offline").replacingOccurrences(of: "127.0.0.1:7420", with: server.address)
            // A script stands in for the person in $EDITOR: a tighter headline.
            let editor = directory + "/editor.sh"
            try "#!/bin/sh\nsed -i 's/^headline: .*/headline: Council passes the budget/' \"$1\"\n".write(toFile: editor, atomically: true, encoding: .utf8)
            chmod(editor, 0o755)
            let products = BuiltProducts.directory.path
            let run = try await runCommand(
                URL(fileURLWithPath: "/bin/bash"),
                ["-euo", "pipefail", "-c", "cd \"$0\" && " + script, directory],
                environment: ["GALLEY_SERVER": "", "GALLEY_TOKEN": "", "EDITOR": editor, "PATH": products + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
            )
            #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
            #expect(run.stdout.contains("pending      3 changeset(s)"), "\(run.stdout)")
            let client = try await GalleyClient.connect(to: server.address, token: server.adminToken)
            let article = try await client.call("article.get", ["slug": "council-approves-the-budget"])
            #expect(article["headline"] == "Council passes the budget")
            #expect(article["tags"] == ["budget", "council"])
            #expect(article["section"] == "local")
            await client.close()
            #expect(try await server.stop() == 0)
        }

        @Test func readmeScriptingSectionRunsAsWrittenAndDoesWhatItSays() async throws {
            let directory = try TemporaryDirectory.make()
            defer { TemporaryDirectory.remove(directory) }
            let desk = try await ServerProcess.start(dataDirectory: directory + "/galley-data")
            let other = try await ServerProcess.start(dataDirectory: directory + "/other-data")
            let script = try Self.scriptingBlock().replacingOccurrences(of: "127.0.0.1:7421", with: other.address)
            let products = BuiltProducts.directory.path
            let run = try await runCommand(
                URL(fileURLWithPath: "/bin/bash"),
                ["-euo", "pipefail", "-c", "cd \"$0\" && " + script, directory],
                environment: ["GALLEY_SERVER": desk.address, "GALLEY_TOKEN": "", "PATH": products + ":" + (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin")]
            )
            #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
            #expect(run.stdout.contains("dry run: 2 articles matched; 2 would change."))
            #expect(run.stdout.contains("dry run: 4 entities read"))
            #expect(run.stdout.contains("4 created, 0 updated, 0 unchanged, 0 failed"))
            #expect(run.stdout.contains("Talks resume in Istanbul\n\npublished · world · 1 min read · version 4"))

            let client = try await GalleyClient.connect(to: desk.address, token: desk.adminToken)
            let articles = try await client.call("article.list", ["section": "world"])["items"]?.arrayValue ?? []
            #expect(articles.count == 2 && articles.allSatisfy { $0["status"] == "published" })
            #expect(articles.first { $0["slug"] == "talks-resume-in-istanbul" }?["tags"] == ["ukraine", "europe"])
            let media = try await client.call("media.list")["items"]?.arrayValue ?? []
            #expect(Set(media.compactMap { $0["credit"]?["creditLine"]?.stringValue }) == ["J. Doe / Reuters", "A. Smith / Reuters"])
            #expect(media.allSatisfy { $0["credit"]?["license"] == "Reuters editorial" })
            await client.close()

            // The other server now holds the same entities.
            let copy = try await GalleyClient.connect(to: other.address, token: other.adminToken)
            let copied = try await copy.call("article.list", ["section": "world"])["items"]?.arrayValue ?? []
            #expect(Set(copied.compactMap { $0["id"] }) == Set(articles.compactMap { $0["id"] }))
            #expect(copied.first { $0["slug"] == "talks-resume-in-istanbul" }?["tags"] == ["ukraine", "europe"])
            await copy.close()
            #expect(try await desk.stop() == 0)
            #expect(try await other.stop() == 0)
        }
    }
}
