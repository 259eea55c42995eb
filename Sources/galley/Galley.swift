import ArgumentParser
import Foundation
import GalleyCLI

@main
struct Galley: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "galley",
        abstract: "The Galley command line: read and edit content, script bulk edits, import and export.",
        discussion: """
            Commands work inside a replica (a directory made by `galley clone`, found like git finds its repository: reads come from the local copy, writes are queued for `galley push`/`sync`), or else on galleyd at --server, GALLEY_SERVER or 127.0.0.1:7420. Inside a replica only an explicit --server goes online. Online commands authenticate with the token from --token-file, --token or GALLEY_TOKEN. Reading commands print a table on a terminal; --json, --ndjson and --ids are for scripts. Every write takes -m "why".

            Exit codes: 0 success, 1 error from the server (printed with its data), 2 usage error, 3 cannot connect, 4 conflict (someone changed the same fields: re-read and redo; for push, pull and sync: open conflicts to resolve).

            Examples:
              galley article list --section world --status draft
              galley article show delegations-meet-in-istanbul
              galley article edit delegations-meet-in-istanbul -m "Tighter intro"
              galley bulk update --where section=world --where status=draft --set status=published -m "Publish world"
              galley export > content.ndjson
              galley clone 127.0.0.1:7420 ~/desk && cd ~/desk && galley article set my-story headline="New" -m "Offline fix" && galley sync
            """,
        subcommands: [
            ArticleCommand.self,
            MediaCommand.self,
            LinkCommand.self,
            ChangesetCommand.self,
            BulkCommand.self,
            ExportCommand.self,
            ImportCommand.self,
            CallCommand.self,
            CloneCommand.self,
            PullCommand.self,
            PushCommand.self,
            SyncCommand.self,
            StatusCommand.self,
            ConflictsCommand.self,
            ResolveCommand.self,
        ]
    )

    /// Runs the command and maps every failure to the documented exit codes: usage errors
    /// (ArgumentParser's validation, which would exit 64) exit 2.
    static func main() async {
        do {
            var command = try Self.parseAsRoot()
            if var command = command as? any AsyncParsableCommand {
                try await command.run()
            } else {
                try command.run()
            }
        } catch {
            if let (code, text) = Self.reportIfOurs(error) { Self.fail((code, text)) }
            let code = Self.exitCode(for: error)
            let message = Self.fullMessage(for: error)
            if code == .success {
                if !message.isEmpty { print(message) }
                Foundation.exit(0)
            }
            if !message.isEmpty { FileHandle.standardError.write(Data((message + "\n").utf8)) }
            Foundation.exit(code == .validationFailure ? 2 : code.rawValue)
        }
    }

    /// Errors from the API and the CLI library (not ArgumentParser's own).
    private static func reportIfOurs(_ error: any Error) -> (Int32, String)? {
        switch error {
        case is ExitCode, is CleanExit, is ValidationError: return nil
        default:
            let typeName = String(reflecting: type(of: error))
            if typeName.hasPrefix("ArgumentParser.") { return nil }
            return ErrorReport.describe(error)
        }
    }

    private static func fail(_ report: (exitCode: Int32, text: String)) -> Never {
        FileHandle.standardError.write(Data((report.text.hasSuffix("\n") ? report.text : report.text + "\n").utf8))
        Foundation.exit(report.exitCode)
    }
}
