import Foundation
import GalleyModel
import GalleyStore
import JSONRPC
import Logging
import NIOPosix
import PostgresNIO
import NIOConcurrencyHelpers

/// The one way content is written on PostgreSQL, with the SQLite committer's group commit:
/// changesets submitted concurrently to this instance go into one transaction, each inside its
/// own savepoint, and callers are answered only after COMMIT returned.
///
/// `seq` across instances: the transaction locks the single `seq_counter` row first
/// (`SELECT ... FOR UPDATE`), numbers its changesets from the value it read, and writes the new
/// head just before COMMIT. The lock is held until COMMIT, so no other transaction can take a
/// number in between: seq order is commit order, with no gap (a rollback writes nothing). Taking
/// the lock first, rather than only at the end, also makes the batch the only writer while the
/// applier checks its rules (a slug still free, no live link to a deleted article, media not
/// in use): those are reads of sets of rows that READ COMMITTED alone would not protect from a
/// concurrent transaction on another instance. Group commit amortises that serial point.
final class PostgresCommitter: Sendable {
    private typealias Pending = GroupCommitQueue<ChangesetSubmission, CommitRecord>.Request

    private let client: PostgresClient
    private let threads: NIOThreadPool
    private let logger: Logger
    private let queue: GroupCommitQueue<ChangesetSubmission, CommitRecord>
    let batchObserver = NIOLockedValueBox<(@Sendable (Int) -> Void)?>(nil)
    /// Told the new head after every commit that advanced it (this instance's subscribers).
    let headObserver = NIOLockedValueBox<(@Sendable (Int64) -> Void)?>(nil)

    /// The multi-instance test's positive control (`GALLEY_TEST_PLAIN_SEQUENCE=1`, debug builds
    /// only): number changesets from a plain sequence at the start of the transaction, without the
    /// counter lock, and linger before COMMIT, so transactions commit out of seq order and a
    /// reader of `seq > cursor` can skip a changeset for ever. Release builds compile it out.
    let usesPlainSequence: Bool

    init(client: PostgresClient, threads: NIOThreadPool, maximumBatch: Int, logger: Logger) {
        self.client = client
        self.threads = threads
        self.logger = logger
        #if DEBUG
        self.usesPlainSequence = ProcessInfo.processInfo.environment["GALLEY_TEST_PLAIN_SEQUENCE"] == "1"
        #else
        self.usesPlainSequence = false
        #endif
        let owner = NIOLockedValueBox(WeakReference<PostgresCommitter>())
        self.queue = GroupCommitQueue(maximumBatch: maximumBatch) { batch in
            await owner.withLockedValue { $0.value }?.commit(batch)
        }
        owner.withLockedValue { $0.value = self }
    }

    func submit(_ submission: ChangesetSubmission) async throws -> CommitRecord {
        try await self.queue.submit(submission)
    }

    private func commit(_ batch: [Pending]) async {
        let submissions = batch.map(\.item)
        let logger = self.logger
        let plain = self.usesPlainSequence
        let threads = self.threads
        do {
            let (outcomes, head) = try await self.client.withConnection { connection in
                try await threads.runIfActive {
                    try Self.commitRetrying(submissions, connection: BlockingConnection(connection: connection, logger: logger), plainSequence: plain)
                }
            }
            self.batchObserver.withLockedValue { $0 }?(batch.count)
            for (pending, outcome) in zip(batch, outcomes) { pending.resume(with: outcome) }
            if let head { self.headObserver.withLockedValue { $0 }?(head) }
        } catch {
            // The transaction failed as a whole (connection lost, server gone, disk full on the
            // server): nothing of the batch is durable, so nobody is told otherwise.
            logger.error("a commit transaction failed", metadata: ["error": "\(String(reflecting: error))"])
            for pending in batch {
                pending.resume(with: .failure(StoreError.storageFailure(Self.describe(error))))
            }
        }
    }

    static func describe(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            let state = error.serverInfo?[.sqlState].map { " (SQLSTATE \($0))" } ?? ""
            return "\(error.serverInfo?[.message] ?? "\(error.code)")\(state)"
        }
        return "\(error)"
    }

    /// Serialization failures and deadlocks: the whole transaction is tried again.
    static func isRetryable(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        return state == "40001" || state == "40P01"
    }

    private static func commitRetrying(
        _ submissions: [ChangesetSubmission],
        connection: BlockingConnection,
        plainSequence: Bool
    ) throws -> ([Result<CommitRecord, any Error>], Int64?) {
        var attempt = 0
        while true {
            attempt += 1
            do {
                return try Self.commitOnce(submissions, connection: connection, plainSequence: plainSequence)
            } catch {
                try? connection.execute("ROLLBACK")
                if attempt < 5 && Self.isRetryable(error) {
                    Thread.sleep(forTimeInterval: Double.random(in: 0.001...0.01) * Double(attempt))
                    continue
                }
                throw error
            }
        }
    }

    /// One transaction for the batch; per-changeset outcomes, and the new head when it moved.
    private static func commitOnce(
        _ submissions: [ChangesetSubmission],
        connection: BlockingConnection,
        plainSequence: Bool
    ) throws -> ([Result<CommitRecord, any Error>], Int64?) {
        connection.send("BEGIN ISOLATION LEVEL READ COMMITTED")
        var head: Int64
        if plainSequence {
            head = 0
        } else {
            guard let row = try connection.row("SELECT v FROM seq_counter WHERE id = 1 FOR UPDATE") else {
                throw StoreError.unusable("the seq_counter row is missing: was the database migrated with galleyd migrate?")
            }
            head = try row.get("v")
        }
        let startHead = head
        var outcomes: [Result<CommitRecord, any Error>] = []
        for submission in submissions {
            connection.send("SAVEPOINT changeset")
            do {
                if let replay = try Self.replay(submission, connection: connection) {
                    outcomes.append(.success(replay))
                    connection.send("RELEASE SAVEPOINT changeset")
                    continue
                }
                let seq: Int64
                if plainSequence {
                    seq = try connection.row("SELECT nextval('galley_test_plain_seq') AS v")!.get("v")
                } else {
                    seq = head + 1
                }
                let committedAt = Timestamp.now()
                let outcome = try ChangesetApplier.apply(
                    submission.ops,
                    reader: PostgresContentReader(connection: connection),
                    seq: seq,
                    author: submission.author,
                    committedAt: committedAt
                )
                if submission.dryRun {
                    connection.send("ROLLBACK TO SAVEPOINT changeset")
                } else {
                    PostgresIndexWriter.write(outcome, submission: submission, seq: seq, committedAt: committedAt, on: connection)
                    connection.send("RELEASE SAVEPOINT changeset")
                    head = max(head, seq)
                }
                outcomes.append(
                    .success(
                        CommitRecord(
                            seq: submission.dryRun ? nil : seq,
                            id: submission.id,
                            committedAt: submission.dryRun ? nil : committedAt,
                            author: submission.author,
                            message: submission.message,
                            replayed: false,
                            dryRun: submission.dryRun,
                            results: outcome.results.map(\.json)
                        )
                    )
                )
            } catch let error as ChangesetError {
                connection.send("ROLLBACK TO SAVEPOINT changeset")
                outcomes.append(.failure(error))
            }
        }
        if plainSequence {
            connection.send("UPDATE seq_counter SET v = GREATEST(v, \(head)) WHERE id = 1")
            Thread.sleep(forTimeInterval: Double.random(in: 0...0.02))
        } else if head != startHead {
            connection.send("UPDATE seq_counter SET v = \(head) WHERE id = 1")
        }
        // Everything above was pipelined: COMMIT waits for all of it, and the first statement that
        // failed (which aborts the transaction, so COMMIT would only roll back) is thrown here:
        // no caller is told a changeset committed unless every statement of the batch succeeded.
        try connection.execute("COMMIT")
        return (outcomes, head != startHead ? head : nil)
    }

    /// The original record when this changeset id was committed before with the same content;
    /// `changeset_id_reused` when with different content.
    private static func replay(_ submission: ChangesetSubmission, connection: BlockingConnection) throws -> CommitRecord? {
        guard
            let existing = try connection.row(
                "SELECT seq, submitted, committed_at, author, message, results FROM changeset WHERE id = \(submission.id)"
            )
        else { return nil }
        let seq: Int64 = try existing.get("seq")
        guard try SubmissionDigest.matches(try existing.get("submitted", as: String.self), submission.submitted) else {
            throw ChangesetError.integrity(
                kind: "changeset_id_reused",
                message: "changeset \(submission.id) was already committed (seq \(seq)) with different content; use a new id",
                details: ["id": .string(submission.id), "seq": .number(JSONNumber(Int(seq)))]
            )
        }
        return CommitRecord(
            seq: seq,
            id: submission.id,
            committedAt: try existing.get("committed_at"),
            author: try existing.get("author"),
            message: try existing.get("message"),
            replayed: true,
            dryRun: submission.dryRun,
            results: (try JSONParser.parse(try existing.get("results", as: String.self))).arrayValue ?? []
        )
    }
}
