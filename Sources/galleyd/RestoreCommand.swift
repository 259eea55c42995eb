import ArgumentParser
import GalleyStore

/// `galleyd restore --from FILE --data DIR`: a backup becomes the database of a new data directory.
struct RestoreCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "restore",
        abstract: "Restore a backup into an empty data directory (then start galleyd on it).",
        discussion: """
            Refuses a data directory that already holds a database, so a restore never overwrites \
            live data. Create a token afterwards with `galleyd token create` if needed.

            Example: galleyd restore --from /backups/galley.sqlite --data ./galley-restored
            """
    )

    @Option(name: .long, help: "The backup file made by `galleyd backup`.")
    var from: String

    @OptionGroup var storage: StorageOptions

    func run() async throws {
        try self.storage.refuseDatabase("restore")
        do {
            try SQLiteStore.restore(from: self.from, into: self.storage.data)
        } catch let error as StoreError {
            throw ValidationError("\(error)")
        }
        print("restored \(self.from) into \(self.storage.data)")
    }
}
