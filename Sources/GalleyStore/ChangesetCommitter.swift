import Foundation
import GRDB
import GalleyModel
import JSONRPC
import NIOConcurrencyHelpers

/// The one way content is written. Changesets submitted concurrently are grouped into one
/// SQLite transaction, each inside its own savepoint (so each stays atomic and a refused one
/// does not sink the others); callers are answered only after the transaction is durable.
///
/// Grouping needs no background task: the first submitter to find the committer idle becomes
/// the writer and keeps committing batches until the queue is empty; whoever arrives meanwhile
/// just waits for its turn in the next batch.
final class ChangesetCommitter: Sendable {
    private typealias Pending = GroupCommitQueue<Queued, CommitRecord>.Request

    /// A submission and its digest, taken by the submitting task: the one writer has enough to do.
    private struct Queued: Sendable {
        let submission: ChangesetSubmission
        let digest: String
    }

    /// What the changesets of one batch share inside its transaction.
    private struct BatchWrites {
        /// The newest seq: read once per batch, advanced by each changeset as its savepoint is
        /// released, and written back before COMMIT (one update of `seq_counter` per batch, not
        /// one per changeset; a refused changeset or a dry run takes none, so seqs stay gapless).
        var head: Int64
        var search = SearchTextWrites()
    }

    private let pool: DatabasePool
    private let queue: GroupCommitQueue<Queued, CommitRecord>
    /// Set after an I/O error (SQLITE_IOERR: a failed write or fsync) in a commit: from then on
    /// every commit is refused
    /// until the store is reopened. A failed fsync may have lost pages the kernel had taken, and
    /// retrying it as if it succeeded is how "fsyncgate" lost PostgreSQL data. A full disk
    /// (SQLITE_FULL) does not stop the store: commits succeed again once space returns.
    private let stopped = NIOLockedValueBox<String?>(nil)
    /// Changesets per transaction; 1 turns group commit off (for benchmarks).
    var maximumBatch: Int { self.queue.maximumBatch }
    /// Told the size of each committed batch (metrics).
    let batchObserver = NIOLockedValueBox<(@Sendable (Int) -> Void)?>(nil)
    /// Told which entities each transaction changes, before its COMMIT and after it.
    let changeObservers = NIOLockedValueBox<[any EntityChangeObserver]>([])

    /// The reliability harness's positive control: answer callers BEFORE the transaction
    /// commits (and linger a little before committing), so a crash test must catch lost
    /// acknowledged changesets. Only debug builds honour it (`GALLEY_TEST_ACK_BEFORE_COMMIT=1`);
    /// release builds compile it out.
    let acknowledgesBeforeCommit: Bool
    /// Entities committed recently, so editing one again skips reading and parsing it.
    let committedStates = CommittedStateCache(capacity: 1_024)

    init(pool: DatabasePool, maximumBatch: Int) {
        self.pool = pool
        #if DEBUG
        self.acknowledgesBeforeCommit = ProcessInfo.processInfo.environment["GALLEY_TEST_ACK_BEFORE_COMMIT"] == "1"
        #else
        self.acknowledgesBeforeCommit = false
        #endif
        // The queue calls back into the committer that owns it: weakly, or neither would go.
        let owner = NIOLockedValueBox(WeakReference<ChangesetCommitter>())
        self.queue = GroupCommitQueue(maximumBatch: maximumBatch) { batch in
            await owner.withLockedValue { $0.value }?.commit(batch)
        }
        owner.withLockedValue { $0.value = self }
    }

    func submit(_ submission: ChangesetSubmission) async throws -> CommitRecord {
        if let reason = self.stopped.withLockedValue({ $0 }) {
            throw StoreError.storageFailure("writes stopped after an I/O error (\(reason)); restart galleyd once the disk is healthy")
        }
        return try await self.queue.submit(Queued(submission: submission, digest: SubmissionDigest.of(submission.submitted)))
    }

    private func commit(_ batch: [Pending]) async {
        let queued = batch.map(\.item)
        let acknowledgesEarly = self.acknowledgesBeforeCommit
        // Every error the batch met, also when the transaction then fails as a whole (SQLite
        // answers COMMIT with SQLITE_ABORT after a statement's I/O error): what stops the store.
        let seen = NIOLockedValueBox<[any Error]>([])
        let observers = self.changeObservers.withLockedValue { $0 }
        // Observers told `willCommit` hear `didCommit` however the transaction ends, and before
        // anyone is answered.
        let announced = NIOLockedValueBox(false)
        func endAnnouncement() {
            if announced.withLockedValue({ $0 }) { for observer in observers { observer.didCommit() } }
        }
        let cache = self.committedStates
        let outcomes: [Result<CommitRecord, any Error>]
        do {
            outcomes = try await self.pool.writeWithoutTransaction { db in
                var outcomes: [Result<CommitRecord, any Error>] = []
                // The states the batch's changesets leave, remembered once COMMIT has succeeded.
                var written: [EntityState] = []
                try db.inTransaction(.immediate) {
                    let head = try Int64.fetchOne(db.cachedStatement(sql: "SELECT v FROM seq_counter WHERE id = 1")) ?? 0
                    var shared = BatchWrites(head: head)
                    outcomes = queued.map { queued in
                        Result {
                            let (record, committed) = try Self.applyInSavepoint(queued, cache: cache, batch: &shared, db: db)
                            written += committed
                            return record
                        }
                    }
                    // After every savepoint: one full-text segment for the batch. A failure
                    // here fails the whole transaction.
                    try shared.search.apply(db: db)
                    if shared.head != head {
                        try db.cachedStatement(sql: "UPDATE seq_counter SET v = ? WHERE id = 1").execute(arguments: [shared.head])
                    }
                    seen.withLockedValue { seen in
                        for case .failure(let error) in outcomes { seen.append(error) }
                    }
                    if !observers.isEmpty {
                        let ids = try Self.changedEntityIDs(outcomes, db: db)
                        if !ids.isEmpty {
                            announced.withLockedValue { $0 = true }
                            for observer in observers { observer.willCommit(changing: ids) }
                        }
                    }
                    if acknowledgesEarly {
                        for (pending, outcome) in zip(batch, outcomes) { pending.resume(with: outcome) }
                        Thread.sleep(forTimeInterval: 0.15)
                    }
                    return .commit
                }
                cache.remember(written)
                return outcomes
            }
        } catch {
            endAnnouncement()
            let errors = seen.withLockedValue { $0 } + [error]
            if let ioError = errors.first(where: Self.isIOError) { self.stop(because: ioError) }
            if acknowledgesEarly { return }
            // The transaction itself failed (I/O, disk full): nothing of the batch is durable.
            for pending in batch {
                pending.resume(with: .failure(StoreError.storageFailure("\(error)")))
            }
            return
        }
        endAnnouncement()
        self.batchObserver.withLockedValue { $0 }?(batch.count)
        if acknowledgesEarly { return }
        for (pending, outcome) in zip(batch, outcomes) {
            if case .failure(let error) = outcome, Self.isIOError(error) {
                self.stop(because: error)
                pending.resume(with: .failure(StoreError.storageFailure("\(error)")))
                continue
            }
            pending.resume(with: outcome)
        }
    }

    /// The ids of every entity version the batch's committed changesets wrote (their seqs are
    /// the newest in the log: nothing after them is committed yet).
    private static func changedEntityIDs(_ outcomes: [Result<CommitRecord, any Error>], db: Database) throws -> [String] {
        let seqs = outcomes.compactMap { outcome -> Int64? in
            guard case .success(let record) = outcome, !record.replayed, !record.dryRun else { return nil }
            return record.seq
        }
        guard let first = seqs.min(), let last = seqs.max() else { return [] }
        return try String.fetchAll(
            db.cachedStatement(sql: "SELECT id FROM entity_version WHERE seq BETWEEN ? AND ?"),
            arguments: [first, last]
        )
    }

    /// Whether `error` is SQLite's SQLITE_IOERR (any extended code): a write or sync failed.
    static func isIOError(_ error: any Error) -> Bool {
        guard let error = error as? DatabaseError else { return false }
        return error.resultCode == .SQLITE_IOERR
    }

    private func stop(because error: any Error) {
        self.stopped.withLockedValue { $0 = $0 ?? "\(error)" }
    }

    /// Applies one changeset inside its own savepoint: all or nothing, and a dry run always
    /// rolls back. A replay returns the original record without writing. Also returns the final
    /// states the changeset committed (none for a replay or a dry run); once its savepoint is
    /// released it takes the next seq of `batch` and adds its full-text writes there (neither
    /// for a refused changeset or a dry run).
    private static func applyInSavepoint(
        _ queued: Queued,
        cache: CommittedStateCache,
        batch: inout BatchWrites,
        db: Database
    ) throws -> (CommitRecord, [EntityState]) {
        let submission = queued.submission
        if let existing = try Row.fetchOne(
            db.cachedStatement(sql: "SELECT seq, submitted, committed_at, author, message, results FROM changeset WHERE id = ?"),
            arguments: [submission.id]
        ) {
            guard try SubmissionDigest.matches(existing["submitted"], digest: queued.digest, submitted: submission.submitted) else {
                throw ChangesetError.integrity(
                    kind: "changeset_id_reused",
                    message: "changeset \(submission.id) was already committed (seq \(existing["seq"] as Int64)) with different content; use a new id",
                    details: ["id": .string(submission.id), "seq": .number(JSONNumber(Int(existing["seq"] as Int64)))]
                )
            }
            let replay = CommitRecord(
                seq: existing["seq"],
                id: submission.id,
                committedAt: existing["committed_at"],
                author: existing["author"],
                message: existing["message"],
                replayed: true,
                dryRun: submission.dryRun,
                results: (try JSONParser.parse(existing["results"] as String)).arrayValue ?? []
            )
            return (replay, [])
        }
        var record: CommitRecord?
        var finals: [EntityState] = []
        var changesetSearch = SearchTextWrites()
        let seq = batch.head + 1
        try Self.inSavepoint(db) {
            let committedAt = Timestamp.now()
            let outcome = try ChangesetApplier.apply(
                submission.ops,
                reader: SQLiteContentReader(db: db, cache: cache),
                seq: seq,
                author: submission.author,
                committedAt: committedAt
            )
            try ContentIndexWriter.write(
                outcome,
                submission: submission,
                digest: queued.digest,
                seq: seq,
                committedAt: committedAt,
                search: &changesetSearch,
                db: db
            )
            record = CommitRecord(
                seq: submission.dryRun ? nil : seq,
                id: submission.id,
                committedAt: submission.dryRun ? nil : committedAt,
                author: submission.author,
                message: submission.message,
                replayed: false,
                dryRun: submission.dryRun,
                results: outcome.results.map(\.json)
            )
            finals = outcome.finalStates
            return submission.dryRun ? .rollback : .commit
        }
        if submission.dryRun { return (record!, []) }
        batch.head = seq
        batch.search.append(contentsOf: changesetSearch)
        return (record!, finals)
    }

    /// Runs `body` in a savepoint of the batch's transaction, as GRDB's `Database.inSavepoint`
    /// does, but with the connection's cached statements: `inSavepoint` compiles its SAVEPOINT
    /// and RELEASE anew for every changeset (`execute(sql:)`), which was 3.8% of the writer's
    /// transaction in a profile of one-op edits (BENCHMARKS.md). GRDB still sees these
    /// statements as it sees its own: each statement's savepoint effect is recorded when it is
    /// compiled, and a statement run after SQLite aborted the transaction throws `SQLITE_ABORT`
    /// as before.
    private static func inSavepoint(_ db: Database, _ body: () throws -> Database.TransactionCompletion) throws {
        precondition(db.isInsideTransaction, "a changeset's savepoint belongs to its batch's transaction")
        try db.cachedStatement(sql: "SAVEPOINT changeset").execute()
        let completion: Database.TransactionCompletion
        do {
            completion = try body()
        } catch {
            // The first error is the one to report; the rollback's own failure (when SQLite has
            // already rolled the whole transaction back) would only hide it.
            try? Self.rollBackSavepoint(db)
            throw error
        }
        switch completion {
        case .commit: try db.cachedStatement(sql: "RELEASE SAVEPOINT changeset").execute()
        case .rollback: try Self.rollBackSavepoint(db)
        }
    }

    /// Undoes the savepoint's writes and takes it off SQLite's savepoint stack (ROLLBACK TO
    /// alone leaves it there).
    private static func rollBackSavepoint(_ db: Database) throws {
        try db.cachedStatement(sql: "ROLLBACK TRANSACTION TO SAVEPOINT changeset").execute()
        try db.cachedStatement(sql: "RELEASE SAVEPOINT changeset").execute()
    }
}
