import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley export`: every live entity as NDJSON.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write every live entity as NDJSON: a header line, then media, articles, links.",
        discussion: """
            The header names the format version and the changeset the content is consistent at. Each entity line is {"type","id","version","data"} with the entity's stored fields.

            Examples:
              galley export > content.ndjson
              galley export --type article --type media > stories.ndjson
            """
    )

    @Option(name: .customLong("type"), help: "Only this type: media, article or link (repeatable; default: all).") var types: [String] = []
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        var selected = Set<EntityType>()
        for name in self.types {
            guard let type = EntityType(rawValue: name) else { throw ValidationError("--type must be media, article or link") }
            selected.insert(type)
        }
        let types = selected.isEmpty ? Set(EntityType.allCases) : selected
        var buffer = ""
        let counts = try await self.connection.withBackend { backend in
            let reading = ProgressBar("reading", total: 0)
            return try await Exporter.export(from: backend, types: types, source: backend.location, progress: { reading.update($0) }) { line in
                buffer += line
                buffer += "\n"
                if buffer.utf8.count > 1 << 20 {
                    Terminal.write(buffer)
                    buffer = ""
                }
            }
        }
        Terminal.write(buffer)
        if Terminal.stderrIsTerminal {
            let names: [EntityType: String] = [.media: "media", .article: "articles", .link: "links"]
            Terminal.writeError("exported \(Exporter.typeOrder.map { "\(counts[$0] ?? 0) \(names[$0] ?? $0.rawValue)" }.joined(separator: ", "))\n")
        }
    }
}
