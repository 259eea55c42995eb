import ArgumentParser
import GalleyStore
import Logging

/// `galleyd check`: integrity and invariants; exit 1 when anything is wrong.
struct CheckCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Check the database: SQLite integrity, gapless seq, versions, links, query tables, search text.",
        discussion: """
            Exit status 0 when all is well, 1 when a problem is found (each printed on its own line). \
            Reads every live article's and photo's document to compare its search rows with it: \
            about 2 s for 20,000 articles with their photos and links.
            """
    )

    @OptionGroup var storage: StorageOptions

    func run() async throws {
        try self.storage.refuseDatabase("check")
        var logger = Logger(label: "galleyd")
        logger.logLevel = .warning
        let store = try SQLiteStore(directory: self.storage.data, synchronous: try self.storage.synchronousMode, logger: logger)
        let problems = try store.check()
        try await store.close()
        for problem in problems { print(problem) }
        if problems.isEmpty {
            print("ok: \(self.storage.data) passes every check")
        } else {
            throw ExitCode(1)
        }
    }
}
