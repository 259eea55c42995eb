import ArgumentParser
import GalleyModel
import GalleySync
import JSONRPC

/// `galley conflicts`: the open conflicts with both sides.
struct ConflictsCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "conflicts",
        abstract: "List open conflicts with the base, the server's value (theirs) and yours (mine).",
        discussion: """
            Resolve each with `galley resolve ID --mine | --theirs | --set field=value`.

            Examples:
              galley conflicts
              galley conflicts --json
            """
    )

    @OptionGroup var options: ReplicaOptions

    @Flag(name: .long, help: "Print JSON, one object per conflict in an array.")
    var json = false

    func run() async throws {
        try await CommandErrors.run {
            let replica = try self.options.open()
            let conflicts = try replica.conflicts()
            if self.json {
                Output.print(.array(conflicts.map(Self.json)), compact: false)
                return
            }
            if conflicts.isEmpty {
                print("No open conflicts.")
                return
            }
            for conflict in conflicts {
                let slug = (try? replica.entity(conflict.entityID))??.data["slug"]?.stringValue.map { " (\($0))" } ?? ""
                print("#\(conflict.id)  \(conflict.type.rawValue) \(conflict.entityID)\(slug)  field \(conflict.field)")
                print("    base:   \(JSONWriter.string(conflict.base))")
                print("    theirs: \(JSONWriter.string(conflict.theirs))  (server version \(conflict.theirsVersion))")
                print("    mine:   \(JSONWriter.string(conflict.mine))")
            }
        }
    }

    static func json(_ conflict: ConflictRecord) -> JSONValue {
        [
            "id": .number(JSONNumber(Int(conflict.id))),
            "type": .string(conflict.type.rawValue),
            "entityId": .string(conflict.entityID),
            "field": .string(conflict.field),
            "base": conflict.base,
            "theirs": conflict.theirs,
            "mine": conflict.mine,
            "theirsVersion": .number(JSONNumber(conflict.theirsVersion)),
            "changesetId": conflict.changesetID.map { .string($0) } ?? .null,
        ]
    }
}
