import GalleyModel
import JSONRPC
import JSONRPCTransport
import Logging
import NIOCore
import NIOConcurrencyHelpers

/// The state of one client connection: who it authenticated as and how often it failed to.
final class GalleySession: ServerSession {
    /// Failed `auth.authenticate` calls after which the connection is closed.
    static let maximumFailedAuthentications = 5

    /// The shortest gap between two `sync.changed` notifications on one connection.
    static let notificationInterval: Duration = .milliseconds(50)

    private struct State {
        var principal: Principal?
        var failedAuthentications = 0
        var subscription: Task<Void, Never>?
    }

    let info: ConnectionInfo
    private let state = NIOLockedValueBox(State())
    private let server: ServerState
    private let processor: JSONRPCProcessor<GalleySession>
    private let logger: Logger

    init(info: ConnectionInfo, server: ServerState, dispatcher: MethodDispatcher) {
        self.info = info
        self.server = server
        var logger = server.logger
        logger[metadataKey: "connection"] = "\(info.id)"
        self.logger = logger
        self.processor = JSONRPCProcessor { request, session in
            let started = ContinuousClock.now
            let result = await dispatcher.dispatch(request, session: session)
            let method = server.methods[request.method] == nil ? "unknown" : request.method
            let outcome: String
            switch result {
            case .success: outcome = "ok"
            case .failure(let error): outcome = error.kind ?? "error"
            }
            server.metrics.recordRequest(method: method, outcome: outcome, duration: ContinuousClock.now - started)
            return result
        }
    }

    var principal: Principal? { self.state.withLockedValue { $0.principal } }
    var isAuthenticated: Bool { self.principal != nil }
    /// A subscribed connection waits for `sync.changed`: idle by design, never closed for it.
    var isIdleExempt: Bool { self.state.withLockedValue { $0.subscription != nil } }

    func handle(_ message: ByteBuffer) async -> SessionReply {
        // Parsing is synchronous and reads the buffer in place; only the method handlers suspend.
        let parsed = message.withUnsafeReadableBytes { self.processor.parse($0) }
        let reply: [UInt8]?
        switch parsed {
        case .success(let value): reply = await self.processor.process(value, context: self)
        case .failure(let error): reply = self.processor.reply(to: error)
        }
        let failures = self.state.withLockedValue { $0.failedAuthentications }
        if failures >= Self.maximumFailedAuthentications {
            return SessionReply(bytes: reply, closeReason: "\(failures) failed authentication attempts")
        }
        return SessionReply(bytes: reply)
    }

    func closed() {
        self.unsubscribe()
        self.server.sessions.remove(self.info.id)
    }

    /// Starts sending `sync.changed {head}` after commits: coalesced (at most one per
    /// ``notificationInterval``), never dropped entirely (the newest head is always sent).
    func subscribe() {
        let heads = self.server.broadcaster.subscribe(self.info.id)
        let outbound = self.info.outbound
        let task = Task {
            for await head in heads {
                let notification: JSONValue = ["jsonrpc": "2.0", "method": "sync.changed", "params": ["head": .number(JSONNumber(Int(head)))]]
                do {
                    try await outbound.send(JSONWriter.bytes(notification))
                    try await Task.sleep(for: Self.notificationInterval)
                } catch {
                    return
                }
            }
        }
        let previous = self.state.withLockedValue { state in
            defer { state.subscription = task }
            return state.subscription
        }
        previous?.cancel()
    }

    func unsubscribe() {
        self.server.broadcaster.unsubscribe(self.info.id)
        self.state.withLockedValue { state in
            defer { state.subscription = nil }
            return state.subscription
        }?.cancel()
    }

    var isSubscribed: Bool { self.state.withLockedValue { $0.subscription != nil } }

    func makeContext() -> MethodContext {
        MethodContext(session: self, server: self.server, logger: self.logger)
    }

    func authenticated(as principal: Principal) {
        self.state.withLockedValue {
            $0.principal = principal
            $0.failedAuthentications = 0
        }
        self.logger.notice("audit: authenticated", metadata: ["principal": "\(principal.name)", "role": "\(principal.role.rawValue)"])
    }

    /// Records a failed attempt; returns how many remain before the connection is closed.
    func authenticationFailed() -> Int {
        let failures = self.state.withLockedValue { state -> Int in
            state.failedAuthentications += 1
            return state.failedAuthentications
        }
        self.logger.warning("audit: authentication failed", metadata: ["peer": "\(self.info.peer)", "failures": "\(failures)"])
        return max(0, Self.maximumFailedAuthentications - failures)
    }
}

