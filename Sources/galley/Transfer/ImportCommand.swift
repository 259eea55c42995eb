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
        var fd = STDIN_FILENO
        if self.file != "-" {
            fd = open(self.file, O_RDONLY)
            guard fd >= 0 else { throw CLIError.usage("cannot read \(self.file): \(String(cString: strerror(errno)))") }
        }
        defer { if fd != STDIN_FILENO { close(fd) } }
        // The file's size, for the progress bar (none for a pipe, whose size is unknown).
        var status = stat()
        let size = fstat(fd, &status) == 0 && (status.st_mode & S_IFMT) == S_IFREG ? Int(status.st_size) : 0
        var reader = ExportReader(fileDescriptor: fd)
        let header = try reader.readHeader()
        let message = self.apply ? try self.write.resolvedMessage() : "(dry run)"
        let summary = try await self.connection.withBackend { backend in
            let importer = Importer(backend: backend, chunkSize: self.chunkSize)
            // Progress in MB of the file read.
            let bar = ProgressBar(self.apply ? "importing (MB)" : "checking (MB)", total: size >> 20)
            defer { bar.finish() }
            return try await importer.run(&reader, message: message, dryRun: !self.apply) { bar.update($0 >> 20) }
        }
        var report = self.apply ? "" : "dry run: "
        report += "\(reader.entityLines) entities read (export of head \(header["head"]?.intValue ?? 0)): "
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
