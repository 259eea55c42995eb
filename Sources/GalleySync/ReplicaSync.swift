import Foundation
import GalleyClient
import GalleyModel
import JSONRPC
import JSONRPCTransport

/// How far a pull has come, for progress displays.
public struct PullProgress: Sendable, Hashable {
    /// Pages applied by this pull.
    public var pages: Int
    /// Entities received by this pull.
    public var entities: Int
    /// Entities received since the running snapshot began (across resumed clones).
    public var snapshotEntities: Int
    /// About how many entities the snapshot holds, when the server said.
    public var snapshotTotal: Int?
    /// Bytes of page JSON received by this pull.
    public var bytes: Int
    /// True while the snapshot is still being read.
    public var inSnapshot: Bool
    /// The server changeset the replica is now consistent at (nil mid-snapshot).
    public var consistentAt: Int64?
    /// The server's newest changeset.
    public var head: Int64
}

/// What a pull did.
public struct PullSummary: Sendable, Hashable {
    public var pages = 0
    public var entities = 0
    public var conflicts = 0
    /// True when the pull reached the server's head (false when stopped after `maxPages`).
    public var complete = false
    /// True when the server could no longer serve the cursor and a new snapshot was taken.
    public var restartedSnapshot = false
    public var consistentAt: Int64?
    public var head: Int64 = 0
}

/// What a push did.
public struct PushSummary: Sendable, Hashable {
    public var applied = 0
    public var replayed = 0
    public var conflicts = 0
    public var rejected = 0
    /// Changesets left waiting (on conflicts or refused edits).
    public var waiting = 0
}

/// Pulls, pushes and syncs one replica over one authenticated connection. Each page and each
/// push reply is recorded in one local transaction, so cancelling (or killing the process) at
/// any point leaves a replica that the next call continues from.
public struct ReplicaSync: Sendable {
    public let replica: Replica
    public let client: GalleyClient
    /// Entities per `sync.pull` page (the server caps it at 5,000).
    public var pageLimit: Int
    /// Changesets per `sync.push` call (the server takes up to 100).
    public var pushBatchSize: Int

    /// A session over `client`, which must be authenticated (``connect(_:token:)`` does that).
    public init(replica: Replica, client: GalleyClient, pageLimit: Int = 1000, pushBatchSize: Int = 100) {
        self.replica = replica
        self.client = client
        self.pageLimit = pageLimit
        self.pushBatchSize = pushBatchSize
    }

    /// Connects to the replica's server with `token`, or the token saved in the replica.
    ///
    /// TLS: a replica that saved a certificate pin (at its clone) connects over TLS and accepts
    /// only that certificate; a different one is ``ReplicaError/certificateChanged(server:pinned:presented:)``.
    /// `tls` asks for TLS on a replica without a pin (the clone: the certificate is checked as
    /// `tls` says, then its pin is saved), and a `tls` with an explicit pin replaces the saved
    /// one once the server presents it (a renewed certificate the editor confirmed).
    public static func connect(_ replica: Replica, token: String? = nil, tls requested: ClientTLS? = nil) async throws -> GalleyClient {
        guard let token = token ?? replica.savedToken() else { throw ReplicaError.noToken }
        let settings = replica.currentSettings()
        var tls = requested
        if let pinned = settings.tlsPin {
            var pinnedTLS = requested ?? ClientTLS()
            if case .pin = pinnedTLS.trust {} else { pinnedTLS.trust = .pin(pinned) }
            tls = pinnedTLS
        }
        let client: GalleyClient
        do {
            client = try await GalleyClient.connect(to: settings.server, token: token, tls: tls)
        } catch ClientError.certificatePinMismatch(_, _, let expected, let actual) where expected == settings.tlsPin {
            throw ReplicaError.certificateChanged(server: settings.server, pinned: expected, presented: actual)
        }
        if let pin = client.serverCertificatePin, pin != settings.tlsPin {
            do {
                _ = try replica.rememberingTLSPin(pin)
            } catch {
                await client.close()
                throw error
            }
        }
        return client
    }

    // MARK: - Pull

    /// Pulls pages until the replica reaches the server's head (or `maxPages` pages were applied).
    /// A cursor the server can no longer serve (`cursor_expired`) starts a new snapshot.
    @discardableResult
    public func pull(maxPages: Int = .max, progress: (@Sendable (PullProgress) -> Void)? = nil) async throws -> PullSummary {
        try await self.settleInDoubt()
        var summary = PullSummary()
        let bytesBefore = self.client.connection.bytesReceived
        var restarts = 0
        // The next page, asked for while this one is applied: the server reads and sends page
        // N + 1 while this process parses and writes page N, so a clone takes about the longer
        // of the two instead of their sum. Its cursor is the one applying this page stores, so
        // the page is the one the loop would ask for next; a prefetch that fails (an expired
        // cursor, a lost connection) fails where the request would have.
        // The prefetch also reads the page's text into documents (`PulledPage`), so that work
        // overlaps the writing of the page before it too.
        var prefetched: Task<PulledPage, any Error>?
        defer { prefetched?.cancel() }
        while summary.pages < maxPages {
            try Task.checkCancellation()
            let page: PulledPage
            do {
                if let pending = prefetched {
                    prefetched = nil
                    page = try await pending.value
                } else {
                    page = try await self.fetchPage(cursor: try self.replica.position().cursor)
                }
            } catch let error as JSONRPCError where error.kind == "cursor_expired" && restarts < 3 {
                restarts += 1
                summary.restartedSnapshot = true
                try self.replica.restartSnapshot()
                continue
            }
            if page.hasMore, summary.pages + 1 < maxPages {
                prefetched = Task { [cursor = page.cursor] in try await self.fetchPage(cursor: cursor) }
            }
            let applied = try self.replica.apply(page)
            summary.pages += 1
            summary.entities += applied.items
            summary.conflicts += applied.conflicts
            summary.head = applied.head
            if let consistentAt = applied.consistentAt { summary.consistentAt = consistentAt }
            if let progress {
                let after = try self.replica.position()
                progress(
                    PullProgress(
                        pages: summary.pages, entities: summary.entities, snapshotEntities: after.pulledEntities,
                        snapshotTotal: after.snapshotTotal, bytes: self.client.connection.bytesReceived - bytesBefore,
                        inSnapshot: after.cursor?.hasPrefix("s.") == true || after.consistentAt == nil,
                        consistentAt: after.consistentAt, head: applied.head
                    )
                )
            }
            if !applied.hasMore {
                summary.complete = true
                break
            }
        }
        return summary
    }

    /// The page, read from its text: the replica stores each document as the text it came in.
    private func fetchPage(cursor: String?) async throws -> PulledPage {
        var params: JSONObject = ["limit": .number(JSONNumber(self.pageLimit))]
        if let cursor { params["cursor"] = .string(cursor) }
        return try PulledPage(text: try await self.client.callText("sync.pull", params))
    }

    // MARK: - Push

    /// Sends the outbox in order, in batches, until nothing more can go: applied and replayed
    /// changesets leave it, conflicts become conflict records (and a pull follows, so they carry
    /// the server's current state), refused ones stay with their error. Changesets waiting on a
    /// conflict or a refused edit of the same entity stay; the others flow.
    @discardableResult
    public func push() async throws -> PushSummary {
        try await self.settleInDoubt()
        var summary = PushSummary()
        let bound = try self.replica.outbox().count + 1
        for _ in 0..<bound {
            try Task.checkCancellation()
            let batch = try self.replica.nextPushBatch(limit: self.pushBatchSize)
            if batch.isEmpty { break }
            try self.replica.markSent(batch.map(\.id))
            let reply = try await self.client.call("sync.push", ["changesets": .array(batch.map(\.pushJSON))])
            let outcomes = try self.replica.record(pushResults: reply["results"]?.arrayValue ?? [], for: batch)
            for outcome in outcomes {
                switch outcome {
                case .applied: summary.applied += 1
                case .replayed: summary.replayed += 1
                case .conflict: summary.conflicts += 1
                case .rejected: summary.rejected += 1
                }
            }
        }
        if summary.conflicts > 0 { try await self.pull() }
        summary.waiting = try self.replica.waitingChangesetIDs().count
        return summary
    }

    /// Pull, push, pull: afterwards the replica holds the server's state with every pushable
    /// local edit on the server.
    @discardableResult
    public func sync(progress: (@Sendable (PullProgress) -> Void)? = nil) async throws -> (pulled: PullSummary, pushed: PushSummary) {
        var pulled = try await self.pull(progress: progress)
        let pushed = try await self.push()
        if pushed.applied + pushed.replayed > 0 {
            let after = try await self.pull(progress: progress)
            pulled.pages += after.pages
            pulled.entities += after.entities
            pulled.conflicts += after.conflicts
            pulled.complete = after.complete
            pulled.consistentAt = after.consistentAt ?? pulled.consistentAt
            pulled.head = after.head
        }
        return (pulled, pushed)
    }

    /// Asks the server about changesets a push may have delivered without an answer: committed
    /// ones leave the outbox, the others are sent again.
    func settleInDoubt() async throws {
        for changeset in try self.replica.inDoubt() {
            do {
                let committed = try await self.client.call("changeset.get", ["id": .string(changeset.id)])
                // Recorded like a `replayed` push reply, so later edits move onto its versions.
                _ = try self.replica.record(pushResults: [["status": "replayed", "results": committed["results"] ?? []]], for: [changeset])
            } catch let error as JSONRPCError where error.code == -32004 {
                try self.replica.unfreeze(changeset.id)
            }
        }
    }
}
