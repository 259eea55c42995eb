import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley import`: creates or updates entities by id from an export.
struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Create or update entities by id from a `galley export` file (a dry run unless --apply).",
        discussion: """
            Entities equal to the target's are left alone; the rest go in changesets of at most 10,000 ops and 4 MiB of JSON, media before articles before links. Prints created / updated / unchanged / failed, with the reason for each failure. Running the same import again is safe.

            Examples:
              galley import content.ndjson
              galley import content.ndjson --apply -m "Restore from Monday's export"
              galley export --server old:7420 | galley import - --server new:7420 --apply -m "Move"
            """
    )

    @Argument(help: "The export file (- for stdin).") var file: String
    @Flag(help: "Commit (without it: a dry run that commits nothing).") var apply = false
    @Option(help: .hidden) var chunkSize: Int = BulkRun.maximumOps
    @OptionGroup var write: WriteOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        let text: String
        if self.file == "-" {
            text = String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self)
        } else {
            do {
                text = try String(contentsOfFile: self.file, encoding: .utf8)
            } catch {
                throw CLIError.usage("cannot read \(self.file): \(error.localizedDescription)")
            }
        }
        let (header, entries, unreadable) = try Importer.read(text)
        let message = self.apply ? try self.write.resolvedMessage() : "(dry run)"
        var summary = try await self.connection.withBackend { backend in
            let importer = Importer(backend: backend, chunkSize: self.chunkSize)
            var bar: ProgressBar?
            var phase = ""
            return try await importer.run(entries, message: message, dryRun: !self.apply) { name, done, total in
                if name != phase {
                    bar?.finish()
                    bar = ProgressBar(name, total: total)
                    phase = name
                }
                bar?.update(done)
                if done == total { bar?.finish(); bar = nil }
            }
        }
        summary.failures = unreadable + summary.failures
        var report = self.apply ? "" : "dry run: "
        report += "\(entries.count + unreadable.count) entities read (export of head \(header["head"]?.intValue ?? 0)): "
        report += "\(summary.created) created, \(summary.updated) updated, \(summary.unchanged) unchanged, \(summary.failures.count) failed\n"
        if !summary.changesets.isEmpty { report += "changesets: \(summary.changesets.map(String.init).joined(separator: ", "))\n" }
        if !self.apply {
            report += summary.checkedByServer ? "The server checked the changes. " : "Checked locally only (the server checks each changeset on --apply). "
            report += "Run again with --apply to commit.\n"
        }
        Terminal.write(report)
        for failure in summary.failures { Terminal.writeError("failed: \(failure)\n") }
        if !summary.failures.isEmpty { throw ExitCode(1) }
    }
}
