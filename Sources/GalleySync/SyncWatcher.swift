import GalleyClient
import JSONRPC
import JSONRPCTransport

/// What a watching replica reports as it goes.
public enum WatchEvent: Sendable {
    case connected
    case pulled(PullSummary)
    case pushed(PushSummary)
    /// The connection failed or closed; the next attempt comes after `retryAfter`.
    case disconnected(reason: String, retryAfter: Duration)
}

/// Keeps a replica in step with its server until cancelled: subscribes to `sync.changed`, pulls
/// when the head moves past the replica, pushes whenever the outbox has work (polled, so edits
/// from another process are seen), and reconnects after failures with exponential backoff and
/// jitter. Cancelling the task that runs ``run()`` stops it cleanly: the step in progress is one
/// local transaction, so it either happened or did not.
public struct SyncWatcher: Sendable {
    public let replica: Replica
    public let connect: @Sendable () async throws -> GalleyClient
    public var backoff: Backoff
    /// How often the outbox is looked at for new local edits.
    public var outboxPollInterval: Duration
    public var onEvent: (@Sendable (WatchEvent) -> Void)?

    /// `connect` opens an authenticated connection (called again after every failure).
    public init(
        replica: Replica,
        backoff: Backoff = Backoff(),
        outboxPollInterval: Duration = .milliseconds(250),
        onEvent: (@Sendable (WatchEvent) -> Void)? = nil,
        connect: @escaping @Sendable () async throws -> GalleyClient
    ) {
        self.replica = replica
        self.connect = connect
        self.backoff = backoff
        self.outboxPollInterval = outboxPollInterval
        self.onEvent = onEvent
    }

    /// Runs until the task is cancelled; returns normally then.
    public func run() async {
        var attempt = 0
        while !Task.isCancelled {
            var reason = "connection closed"
            do {
                let client = try await self.connect()
                attempt = 0
                do {
                    try await self.session(client)
                } catch {
                    await client.close()
                    throw error
                }
                await client.close()
            } catch is CancellationError {
                return
            } catch {
                reason = "\(error)"
            }
            if Task.isCancelled { return }
            let delay = self.backoff.delay(attempt: attempt)
            attempt += 1
            self.onEvent?(.disconnected(reason: reason, retryAfter: delay))
            do {
                try await Task.sleep(for: delay)
            } catch {
                return
            }
        }
    }

    private enum Wake: Sendable {
        case changed(Int64)
        case tick
        case closed
    }

    /// One connection's life: subscribe, catch up, then react to notifications and local edits.
    private func session(_ client: GalleyClient) async throws {
        _ = try await client.call("sync.subscribe")
        self.onEvent?(.connected)
        let sync = ReplicaSync(replica: self.replica, client: client)
        let (pulled, pushed) = try await sync.sync()
        self.report(pulled, pushed)
        let (wakes, wake) = AsyncStream<Wake>.makeStream(bufferingPolicy: .bufferingNewest(16))
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for await notification in client.connection.notifications where notification.method == "sync.changed" {
                    wake.yield(.changed(Int64(notification.params["head"]?.intValue ?? 0)))
                }
                wake.yield(.closed)
            }
            group.addTask {
                while true {
                    try await Task.sleep(for: self.outboxPollInterval)
                    wake.yield(.tick)
                }
            }
            defer { group.cancelAll() }
            for await event in wakes {
                try Task.checkCancellation()
                switch event {
                case .closed:
                    throw ClientError.connectionClosed
                case .changed(let head):
                    if head > (try self.replica.position().consistentAt ?? -1) {
                        let pulled = try await sync.pull()
                        self.onEvent?(.pulled(pulled))
                    }
                case .tick:
                    if try self.replica.hasPushableWork() {
                        let pushed = try await sync.push()
                        self.onEvent?(.pushed(pushed))
                        let pulled = try await sync.pull()
                        self.onEvent?(.pulled(pulled))
                    }
                }
            }
            try Task.checkCancellation()
        }
    }

    private func report(_ pulled: PullSummary, _ pushed: PushSummary) {
        self.onEvent?(.pulled(pulled))
        if pushed != PushSummary() { self.onEvent?(.pushed(pushed)) }
    }
}
