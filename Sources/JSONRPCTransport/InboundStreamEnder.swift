import NIOCore

/// Last before `NIOAsyncChannel`'s own handler: ends the read loop's stream of frames on graceful
/// shutdown without closing the socket. That handler finishes its stream on `inputClosed`; fired
/// from here, the event skips the decoder (which would flush a partial frame) and the TLS handler
/// (which would take it for the peer's close), so replies to the requests in flight still go out.
final class InboundStreamEnder: ChannelInboundHandler, Sendable {
    typealias InboundIn = InboundFrame
    typealias InboundOut = InboundFrame

    static func end(_ channel: any Channel) {
        channel.eventLoop.execute {
            guard let context = try? channel.pipeline.syncOperations.context(handlerType: InboundStreamEnder.self) else { return }
            context.fireUserInboundEventTriggered(ChannelEvent.inputClosed)
        }
    }
}
