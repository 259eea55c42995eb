import ArgumentParser
import Foundation
import GalleyCLI
import GalleyModel
import JSONRPC

/// `galley media new`: creates a media item with its credit.
struct MediaNewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "new",
        abstract: "Create a media item with its credit.",
        discussion: """
            Examples:
              galley media new --uri media/ferry.jpg --caption "A ferry at Eminönü" --creator "J. Doe" --source Reuters -m "Photo for the ferry story" --ids
            """
    )

    @Option(help: "Where the file is (required).") var uri: String
    @Option(help: "image (default), video, audio or graphic.") var kind: String?
    @Option(help: "The caption.") var caption: String?
    @Option(help: "A text alternative for people who cannot see it.") var altText: String?
    @Option(help: "Width in pixels.") var width: Int?
    @Option(help: "Height in pixels.") var height: Int?
    @Option(help: "The new item's id (a UUID; default: a new one).") var id: String?
    @OptionGroup var credit: CreditOptions
    @OptionGroup var write: WriteOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup var connection: ConnectionOptions

    func run() async throws {
        var data: JSONObject = ["uri": .string(self.uri)]
        if let kind { data["kind"] = .string(kind) }
        if let caption { data["caption"] = .string(caption) }
        if let altText { data["altText"] = .string(altText) }
        if let width { data["width"] = .number(JSONNumber(width)) }
        if let height { data["height"] = .number(JSONNumber(height)) }
        if let credit = self.credit.credit { data["credit"] = credit }
        let message = try self.write.resolvedMessage()
        let outcome = try await self.connection.withBackend { backend in
            try await EntityWriter.create(.media, id: self.id, data: data, message: message, backend: backend)
        }
        WriteOutput.print(outcome, format: self.output.resolved)
    }
}
