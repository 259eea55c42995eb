import ArgumentParser
import GalleyStore
import Logging

/// `galleyd backup --to FILE`: an online, consistent copy while the server keeps writing.
struct BackupCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backup",
        abstract: "Copy the database to FILE: online and consistent, while galleyd keeps serving.",
        discussion: "Example: galleyd backup --data ./galley-data --to /backups/galley-2026-11-27.sqlite"
    )

    @Option(name: .long, help: "The backup file to create (must not exist).")
    var to: String

    @OptionGroup var storage: StorageOptions

    func run() async throws {
        try self.storage.refuseDatabase("backup")
        var logger = Logger(label: "galleyd")
        logger.logLevel = .warning
        let store = try SQLiteStore(directory: self.storage.data, synchronous: try self.storage.synchronousMode, logger: logger)
        defer { Task { try? await store.close() } }
        do {
            let head = try store.backup(to: self.to)
            print("backed up \(self.storage.data) at changeset \(head) to \(self.to)")
        } catch let error as StoreError {
            throw ValidationError("\(error)")
        }
    }
}
