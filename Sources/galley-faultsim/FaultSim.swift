import ArgumentParser
import CFaultVFS
import Foundation
import GalleyModel
import GalleyStore
import JSONRPC
import Logging

/// `galley-faultsim`: runs a fixed workload on the real store over the fault-injecting SQLite VFS
/// (power loss or I/O errors at a chosen operation), then verifies what survived. Driven by
/// `Reliability/powerloss_test.py` and `Reliability/ioerror_test.py`; a test tool, not shipped.
@main
struct FaultSim: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "galley-faultsim",
        abstract: "Run a workload over a fault-injecting SQLite VFS, then verify the store.",
        subcommands: [RunCommand.self, VerifyCommand.self]
    )
}

/// Prints one line to standard output at once (the harness reads acknowledgements as they come).
func emit(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}

struct RunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Commit changesets one by one until the fault; print `ack ID SEQ` for each acknowledged one.",
        discussion: """
            Prints `ack ID SEQ` after each acknowledged changeset, `fail ID KIND` for each refused one, \
            and finally `operations N` (writes plus syncs the VFS saw) and `fired 0|1`.
            """
    )

    @Option(help: "The data directory (new or empty).") var data: String
    @Option(help: "none, power-loss, fail-write, fail-sync or disk-full.") var fault: String = "none"
    @Option(help: "The 1-based operation at which the fault happens.") var at: Int = 0
    @Flag(help: "I/O errors: every later write (or sync) fails too.") var persistent = false
    @Option(help: "Seed for power loss's keep/drop/tear choices.") var seed: UInt64 = 1
    @Option(help: "FULL (default) or NORMAL (the positive control: loses acknowledged commits).") var synchronous: String = "FULL"
    @Option(help: "Changesets to commit.") var changesets: Int = 120
    @Option(help: "disk-full: space returns after this many refused changesets.") var spaceReturnsAfter: Int = 5

    func run() async throws {
        let modes: [String: Int32] = ["none": 0, "power-loss": 1, "fail-write": 2, "fail-sync": 3, "disk-full": 4]
        guard let mode = modes[self.fault] else { throw ValidationError("--fault must be one of \(modes.keys.sorted())") }
        guard let sync = SQLiteStore.Synchronous(rawValue: self.synchronous.uppercased()) else { throw ValidationError("--synchronous must be FULL or NORMAL") }
        guard faultvfs_register() == 0 else { throw ValidationError("cannot register the fault VFS") }
        faultvfs_configure(mode, Int64(self.at), self.persistent ? 1 : 0, self.seed)
        let logger = Logger(label: "faultsim", factory: { _ in SwiftLogNoOpLogHandler() })
        defer {
            emit("operations \(faultvfs_operations())")
            emit("fired \(faultvfs_fired())")
        }
        let store: SQLiteStore
        do {
            store = try SQLiteStore(directory: self.data, synchronous: sync, logger: logger)
        } catch {
            emit("open-failed \(error)")
            return
        }
        var refused = 0
        for number in 1...self.changesets {
            let id = String(format: "00000000-0000-7000-8000-%012d", number)
            do {
                let record = try await store.commit(try Self.submission(id: id, number: number))
                emit("ack \(id) \(record.seq ?? 0)")
            } catch let error as StoreError {
                emit("fail \(id) storage_failure \(error)")
                refused += 1
                if self.fault == "disk-full" && refused == self.spaceReturnsAfter {
                    faultvfs_configure(0, 0, 0, 0)
                    emit("space-returned")
                }
            } catch {
                emit("fail \(id) other \(error)")
            }
            if self.fault == "power-loss" && faultvfs_fired() != 0 { break }
        }
        try? await store.close()
    }

    /// An article of a few hundred bytes, so pages fill and the WAL checkpoints during the run.
    static func submission(id: String, number: Int) throws -> ChangesetSubmission {
        let paragraph = String(repeating: "Ferries returned to the Bosphorus at dawn, story \(number). ", count: 8)
        let op: JSONValue = [
            "op": "create", "type": "article", "id": .string(String(format: "00000000-0000-7000-9000-%012d", number)),
            "data": ["headline": .string("Story \(number)"), "section": "world", "body": [["type": "paragraph", "text": .string(paragraph)]]],
        ]
        guard case .success(let parsed) = ChangesetOp.parse(op, index: 0) else { throw ValidationError("the workload's op does not parse") }
        return ChangesetSubmission(
            id: id, message: "faultsim \(number)", ops: [parsed], submitted: ["ops": [op]], author: "faultsim", dryRun: false
        )
    }
}

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Reopen the store on the normal VFS and check it against the acknowledged changesets.",
        discussion: "Prints one JSON line {acknowledged, lost, problems, seqGaps}; exits 1 when anything is wrong."
    )

    @Option(help: "The data directory the run used.") var data: String
    @Option(help: "A file with the run's output (its `ack` lines).") var log: String

    func run() async throws {
        let logger = Logger(label: "faultsim", factory: { _ in SwiftLogNoOpLogHandler() })
        let lines = try String(contentsOfFile: self.log, encoding: .utf8).split(separator: "\n")
        let acknowledged = lines.filter { $0.hasPrefix("ack ") }.map { $0.split(separator: " ") }
        var result: JSONObject = ["acknowledged": .number(JSONNumber(acknowledged.count))]
        let store: SQLiteStore
        do {
            store = try SQLiteStore(directory: self.data, logger: logger)
        } catch {
            result["openError"] = .string("\(error)")
            result["lost"] = .number(JSONNumber(acknowledged.count))
            emit(JSONWriter.string(.object(result)))
            throw ExitCode(acknowledged.isEmpty ? 0 : 1)
        }
        var lost: [JSONValue] = []
        for ack in acknowledged {
            let record = try await store.changeset(seq: nil, id: String(ack[1]))
            if record == nil || record.map({ "\($0.seq)" }) != String(ack[2]) { lost.append(.string(String(ack[1]))) }
        }
        let problems = try store.check().map { JSONValue.string($0.description) }
        try? await store.close()
        result["lost"] = .number(JSONNumber(lost.count))
        result["lostIds"] = .array(Array(lost.prefix(5)))
        result["problems"] = .array(problems)
        emit(JSONWriter.string(.object(result)))
        if !lost.isEmpty || !problems.isEmpty { throw ExitCode(1) }
    }
}
