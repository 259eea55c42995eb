import ArgumentParser
import GalleyStore

/// Where the data lives and how durably it is written; shared by every command that opens it.
struct StorageOptions: ParsableArguments {
    @Option(name: .long, help: "The data directory (env GALLEY_DATA).")
    var data: String = Environment.value("GALLEY_DATA") ?? "./galley-data"

    @Option(
        name: .long,
        help: "SQLite synchronous mode: full (every acknowledged commit survives power loss), normal, off (env GALLEY_SYNCHRONOUS)."
    )
    var synchronous: String = Environment.value("GALLEY_SYNCHRONOUS") ?? "full"

    var synchronousMode: SQLiteStore.Synchronous {
        get throws {
            guard let mode = SQLiteStore.Synchronous(rawValue: self.synchronous.uppercased()) else {
                throw ValidationError("--synchronous must be one of off, normal, full, extra")
            }
            return mode
        }
    }

    func validate() throws {
        _ = try self.synchronousMode
    }
}
