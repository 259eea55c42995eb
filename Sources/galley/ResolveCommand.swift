import ArgumentParser
import GalleySync

/// `galley resolve ID --mine | --theirs | --set field=value`.
struct ResolveCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resolve",
        abstract: "Resolve one conflict: keep yours, take the server's, or set a new value.",
        discussion: """
            --mine and --set queue a new changeset based on the server's current version (pushed \
            by `galley push` or `galley sync`); --theirs takes the server's value and queues \
            nothing. When the entity has no other open conflict, its waiting edits flow again.

            Examples:
              galley resolve 3 --mine
              galley resolve 3 --theirs
              galley resolve 3 --set 'headline=Talks end without a deal'
            """
    )

    @Argument(help: "The conflict's number, as `galley conflicts` shows it.")
    var id: Int64

    @Flag(name: .long, help: "Keep your value.")
    var mine = false

    @Flag(name: .long, help: "Take the server's value.")
    var theirs = false

    @Option(name: .long, help: "Set this value instead: field=value (JSON when it parses as JSON, else text).")
    var set: String?

    @Option(name: [.short, .long], help: "The message of the queued changeset.")
    var message: String?

    @OptionGroup var options: ReplicaOptions

    func validate() throws {
        let chosen = [self.mine, self.theirs, self.set != nil].filter { $0 }.count
        guard chosen == 1 else { throw ValidationError("choose exactly one of --mine, --theirs, --set field=value") }
    }

    func run() async throws {
        try await CommandErrors.run {
            let replica = try self.options.open()
            let resolution: Resolution
            if self.mine {
                resolution = .mine
            } else if self.theirs {
                resolution = .theirs
            } else {
                let (field, value) = try FieldAssignment.parse(self.set ?? "")
                guard let conflict = try replica.conflicts().first(where: { $0.id == self.id }) else { throw ReplicaError.noSuchConflict(self.id) }
                guard conflict.field == field else {
                    throw ValidationError("conflict \(self.id) is about \(conflict.field), not \(field)")
                }
                resolution = .set(value)
            }
            let resolved = try replica.resolve(self.id, resolution, message: self.message)
            if let queued = resolved.queued {
                print("Resolved #\(self.id); queued changeset \(queued.changesetID) (push with `galley push`).")
            } else {
                print("Resolved #\(self.id) with the server's value.")
            }
        }
    }
}
