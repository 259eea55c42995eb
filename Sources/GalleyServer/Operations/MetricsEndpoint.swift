import Logging
import NIOCore
import NIOHTTP1
import NIOPosix
import ServiceLifecycle

/// `--metrics HOST:PORT`: Prometheus text at `GET /metrics` over plain HTTP/1.1, for scrapers.
/// Anything else gets 404. Bind it to loopback or an internal network: it needs no token.
public final class MetricsEndpoint: Service, Sendable {
    private let host: String
    private let port: Int
    private let metrics: ServerMetrics
    private let refresh: @Sendable () -> Void
    private let logger: Logger
    private let onListening: @Sendable (SocketAddress) -> Void

    public init(host: String, port: Int, server: GalleyServer, logger: Logger, onListening: @escaping @Sendable (SocketAddress) -> Void = { _ in }) {
        self.host = host
        self.port = port
        self.metrics = server.metrics
        self.refresh = { [state = server.state] in state.refreshGauges() }
        self.logger = logger
        self.onListening = onListening
    }

    public func run() async throws {
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .serverChannelOption(.socketOption(.so_reuseaddr), value: 1)
            .bind(host: self.host, port: self.port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.configureHTTPServerPipeline()
                    return try NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>(wrappingChannelSynchronously: channel)
                }
            }
        if let address = channel.channel.localAddress {
            self.logger.info("metrics endpoint listening", metadata: ["address": "\(address.ipAddress ?? self.host):\(address.port ?? self.port)"])
            self.onListening(address)
        }
        await withDiscardingTaskGroup { group in
            try? await channel.executeThenClose { inbound in
                for try await connection in inbound.cancelOnGracefulShutdown() {
                    group.addTask { await self.serve(connection) }
                }
            }
        }
    }

    private func serve(_ connection: NIOAsyncChannel<HTTPServerRequestPart, HTTPServerResponsePart>) async {
        try? await connection.executeThenClose { inbound, outbound in
            for try await part in inbound {
                guard case .head(let request) = part else { continue }
                let found = request.method == .GET && (request.uri == "/metrics" || request.uri.hasPrefix("/metrics?"))
                if found { self.refresh() }
                let body = found ? self.metrics.text() : "not found: scrape /metrics\n"
                var headers = HTTPHeaders()
                headers.add(name: "Content-Type", value: found ? "text/plain; version=0.0.4; charset=utf-8" : "text/plain; charset=utf-8")
                headers.add(name: "Content-Length", value: "\(body.utf8.count)")
                // One response per connection keeps the endpoint trivially bounded.
                headers.add(name: "Connection", value: "close")
                try await outbound.write(.head(HTTPResponseHead(version: request.version, status: found ? .ok : .notFound, headers: headers)))
                try await outbound.write(.body(.byteBuffer(ByteBuffer(string: body))))
                try await outbound.write(.end(nil))
                return
            }
        }
    }
}
