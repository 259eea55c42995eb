import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley article new`: creates an article in one changeset.
struct ArticleNewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Create an article (a draft unless --status says otherwise).",
        discussion: """
            The slug is derived from the headline unless --slug gives one.

            Examples:
              galley article new --headline "Ferries return to the Bosphorus" --section world -m "New story"
              galley article new --headline "Talks resume" --tag diplomacy --tag turkey \\
                  --byline "Anna Kovalenko | Istanbul correspondent" --body-file talks.md -m "Draft" --ids
            """
    )

    @Option(help: "The headline (1..300 characters).") var headline: String
    @Option(help: "The subheadline.") var subheadline: String?
    @Option(help: "The section, e.g. world.") var section: String?
    @Option(help: "The slug (default: derived from the headline).") var slug: String?
    @Option(name: .customLong("tag"), help: "A tag (repeatable).") var tags: [String] = []
    @Option(name: .customLong("byline"), help: "A byline, \"Name\" or \"Name | Role\" (repeatable).") var bylines: [String] = []
    @Option(help: "draft (default), published or archived.") var status: String?
    @Option(help: "The id of the lead photo or video.") var leadMedia: String?
    @Option(help: "A Markdown file with the body (the format `galley article edit` shows).") var bodyFile: String?
    @Option(help: "The new article's id (a UUID; default: a new one).") var id: String?
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        var data: JSONObject = ["headline": .string(self.headline)]
        if let subheadline { data["subheadline"] = .string(subheadline) }
        if let section { data["section"] = .string(section) }
        if let slug { data["slug"] = .string(slug) }
        if !self.tags.isEmpty { data["tags"] = .array(self.tags.map { .string($0) }) }
        if !self.bylines.isEmpty {
            data["bylines"] = .array(self.bylines.map { text in
                let parts = text.split(separator: "|", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
                return parts.count == 2 && !parts[1].isEmpty ? ["name": .string(parts[0]), "role": .string(parts[1])] : ["name": .string(parts[0])]
            })
        }
        if let status { data["status"] = .string(status) }
        if let leadMedia { data["leadMediaId"] = .string(leadMedia) }
        if let bodyFile {
            let text: String
            do {
                text = try String(contentsOfFile: bodyFile, encoding: .utf8)
            } catch {
                throw CLIError.usage("cannot read --body-file \(bodyFile): \(error.localizedDescription)")
            }
            do {
                data["body"] = .array(try ArticleMarkdown.parseBody(text))
            } catch {
                throw CLIError.usage("--body-file \(bodyFile), \(error)")
            }
        }
        let message = try self.write.resolvedMessage()
        let outcome = try await self.connection.withBackend { backend in
            try await EntityWriter.create(.article, id: self.id, data: data, message: message, backend: backend)
        }
        WriteOutput.print(outcome, format: self.output.resolved)
    }
}
