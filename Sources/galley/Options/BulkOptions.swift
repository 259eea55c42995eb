import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// What `bulk update` and `bulk delete` share: the selection, --apply, the message and the run.
struct BulkOptions: ParsableArguments {
    @Option(help: "What to change: article (default) or media.") var type: String = "article"
    @Option(
        name: .customLong("where"),
        help: "A filter KEY=VALUE (repeatable). Articles: section, status, tag, updated-after, query; media: kind, query."
    )
    var wheres: [String] = []
    @Option(help: "Full-text search words (the same as --where query=WORDS).") var query: String?
    @Option(help: "Ids (or article slugs), comma-separated, or - to read them from stdin one per line.") var ids: String?
    @Flag(help: "Commit the changes (without it: a dry run that commits nothing).") var apply = false
    @Option(help: .hidden) var chunkSize: Int = BulkRun.maximumOps
    @Option(help: .hidden) var stopAfter: Int?
    @OptionGroup var write: WriteOptions
    @OptionGroup var connection: ConnectionOptions

    var entityType: EntityType {
        get throws {
            guard let type = EntityType(rawValue: self.type), type != .link else { throw ValidationError("--type must be article or media") }
            return type
        }
    }

    func selection() throws -> BulkSelection {
        var ids: [String]?
        if let text = self.ids {
            let raw = text == "-" ? String(decoding: FileHandle.standardInput.readDataToEndOfFile(), as: UTF8.self) : text
            ids = raw.split(whereSeparator: { $0 == "," || $0.isNewline }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        }
        return try BulkSelection.parse(type: try self.entityType, wheres: self.wheres, query: self.query, ids: ids)
    }

    /// Plans, prints the dry run or commits the numbered changesets, and says what happened.
    func run(_ action: BulkAction) async throws {
        let selection = try self.selection()
        // The message is part of the run's identity: a dry run without -m uses a placeholder.
        let message = self.apply ? try self.write.resolvedMessage() : (self.write.message ?? "(dry run)")
        let noun = selection.type == .article ? "article" : "media item"
        try await self.connection.withBackend { backend in
            let run = BulkRun(backend: backend, selection: selection, action: action, chunkSize: self.chunkSize)
            let reading = ProgressBar("reading", total: selection.ids?.count ?? 0)
            let plan = try await run.plan { reading.update($0) }
            reading.finish()
            let runID = run.runID(message: message)
            let committed = try await run.committedChunks(runID: runID)
            let chunks = (plan.ops.count + run.chunkSize - 1) / run.chunkSize
            var report = "\(plan.matched) \(Self.plural(noun, plan.matched)) matched; \(plan.ops.count) would change"
            if plan.unchanged > 0 { report += " (\(plan.unchanged) already as asked)" }
            report += chunks > 1 ? ", in \(chunks) changesets of at most \(run.chunkSize) ops" : ""
            report += ".\n"
            if committed > 0 { report += "This run was started before: \(committed) of its changesets are committed and skipped.\n" }
            Terminal.write((self.apply ? "" : "dry run: ") + report)
            if !plan.samples.isEmpty {
                Terminal.write("\(plan.samples.count < plan.ops.count ? "sample of the changes" : "the changes"):\n" + plan.samples.joined(separator: "\n") + "\n")
            }
            guard !plan.ops.isEmpty else { return }
            var seqs: [Int] = []
            var stopped = false
            let committing = ProgressBar(self.apply ? "committing" : "checking", total: plan.ops.count)
            var sent = 0
            do {
                try await run.commit(plan, message: message, runID: runID, alreadyCommitted: committed, dryRun: !self.apply) { chunk in
                    sent += chunk.opCount
                    committing.update(sent)
                    if let seq = chunk.result["seq"]?.intValue { seqs.append(seq) }
                    if let stopAfter = self.stopAfter, chunk.number - committed >= stopAfter { stopped = true }
                    if stopped { throw BulkStopped() }
                }
            } catch is BulkStopped {
                // A test hook standing in for an interrupted run.
            } catch {
                committing.finish()
                if self.apply {
                    Terminal.writeError("galley: stopped after committing \(seqs.count) changeset(s)\(seqs.isEmpty ? "" : " (seq \(seqs.map(String.init).joined(separator: ", ")))"); fix the cause and run the same command again: it skips what was committed.\n")
                }
                throw error
            }
            committing.finish()
            if self.apply {
                let list = seqs.map(String.init).joined(separator: ", ")
                Terminal.write("committed \(seqs.count) changeset\(seqs.count == 1 ? "" : "s") (seq \(list))\(stopped ? "; stopped early: run the same command again to finish" : "").\n")
            } else {
                Terminal.write("The server checked the changes and would accept them. Run again with --apply to commit.\n")
            }
        }
    }

    static func plural(_ noun: String, _ count: Int) -> String {
        count == 1 ? noun : (noun == "media item" ? "media items" : noun + "s")
    }
}

private struct BulkStopped: Error {}
