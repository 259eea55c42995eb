import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley article edit`: the article as Markdown in $EDITOR; saving commits what changed.
struct ArticleEditCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "edit",
        abstract: "Edit an article as Markdown in $EDITOR; saving commits one changeset with what changed.",
        discussion: """
            The file has a front-matter block (headline, subheadline, slug, section, status, tags, bylines, leadMediaId) and the body as Markdown: paragraphs, ## / ### / #### headings, > quotes with a last line "> — Name", - or 1. lists, ![caption](media:ID) images, and ```galley fences holding a block as JSON where Markdown cannot say it exactly. Only changed fields are sent, based on the version you opened: if someone changed the same fields meanwhile, nothing is committed, your text is kept, and the exit code is 4.

            Examples:
              galley article edit ferries-return-to-the-bosphorus -m "Tighter intro"
              EDITOR="code --wait" galley article edit ferries-return-to-the-bosphorus
              galley article edit ferries-return-to-the-bosphorus --from kept.md -m "Retry"   # apply a kept file
            """
    )

    @Argument(help: "The article's slug or id.") var article: String
    @Option(help: "Apply this already edited file (based on the version it names) instead of opening an editor.") var from: String?
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        // Fail before the editor opens, not after: a script must pass -m.
        var message = self.write.message
        if message == nil, !Terminal.stdinIsTerminal { message = try self.write.resolvedMessage() }
        let outcome = try await self.connection.withBackend { backend -> EntityWriter.Outcome? in
            let current = try await backend.article(self.article, version: nil)
            let (text, path) = try self.editedText(of: current)
            let parsed: ArticleMarkdown.Parsed
            do {
                parsed = try ArticleMarkdown.parse(text)
            } catch {
                throw CLIError.usage("the edited file does not read as an article: \(error)\nYour text is kept in \(path); fix it and run `galley article edit \(self.article) --from \(path)`.")
            }
            // The version the text was made from: the one the file names (for --from), else the one just read.
            var base = current
            if let version = parsed.baseVersion, version != current["version"]?.intValue, parsed.articleID == Listing.plain(current["id"]) {
                base = try await backend.article(Listing.plain(current["id"]), version: version)
            }
            guard let change = try ArticleEdit.changes(from: base, to: parsed) else { return nil }
            let reason = try message ?? self.write.resolvedMessage()
            let op = Ops.update(.article, id: Listing.plain(current["id"]), baseVersion: base["version"]?.intValue, set: change.set, unset: change.unset)
            do {
                let result = try await backend.commit(ChangesetRequest(id: EntityWriter.newChangesetID(), message: reason, ops: [op]))
                if self.from == nil { try? FileManager.default.removeItem(atPath: path) }
                return EntityWriter.Outcome(result: result, entity: try await backend.article(Listing.plain(current["id"]), version: nil), type: .article)
            } catch {
                Terminal.writeError("galley: nothing was committed; your text is kept in \(path) (apply it later with --from \(path)).\n")
                throw error
            }
        }
        guard let outcome else {
            Terminal.write("no changes: nothing to commit\n")
            return
        }
        WriteOutput.print(outcome, format: self.output.resolved)
    }

    /// The edited document and where it is: the --from file, or a temporary file after $EDITOR.
    private func editedText(of article: JSONObject) throws -> (String, String) {
        if let from {
            do {
                return (try String(contentsOfFile: from, encoding: .utf8), from)
            } catch {
                throw CLIError.usage("cannot read --from \(from): \(error.localizedDescription)")
            }
        }
        let slug = Listing.plain(article["slug"])
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("galley-\(slug)-\(UUID().uuidString.prefix(8)).md").path
        try ArticleMarkdown.document(article).write(toFile: path, atomically: true, encoding: .utf8)
        let environment = ProcessInfo.processInfo.environment
        let editor = environment["VISUAL"].flatMap { $0.isEmpty ? nil : $0 } ?? environment["EDITOR"].flatMap { $0.isEmpty ? nil : $0 } ?? "vi"
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", "\(editor) \"$1\"", "galley-edit", path]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw CLIError.usage("the editor (\(editor)) exited with status \(process.terminationStatus); nothing was committed. Your text is in \(path).")
        }
        return (try String(contentsOfFile: path, encoding: .utf8), path)
    }
}
