public import ChunkWire
public import NIOCore
import NIOPosix

/// A raw TCP peer that speaks bytes, for playing a broken or hostile node or client.
public struct RawPeer {
    public let channel: NIOAsyncChannel<ByteBuffer, ByteBuffer>

    /// Connects to `port` on loopback; `greeting`, when given, is sent from the event loop
    /// the moment the connection is up, as a real node sends its hello: a hello sent later
    /// by a task can miss the listener's handshake deadline while the task pool is busy.
    public static func connect(port: Int, greeting: ByteBuffer? = nil) async throws -> RawPeer {
        let channel = try await ClientBootstrap(group: NIOSingletons.posixEventLoopGroup)
            .connect(host: "127.0.0.1", port: port) { channel in
                channel.eventLoop.makeCompletedFuture {
                    if let greeting {
                        try channel.pipeline.syncOperations.addHandler(Greeter(greeting: greeting))
                    }
                    return try NIOAsyncChannel<ByteBuffer, ByteBuffer>(wrappingChannelSynchronously: channel)
                }
            }
        return RawPeer(channel: channel)
    }

    /// Sends `bytes`, then collects whatever the other side sends until it closes or
    /// `frames` whole frames have arrived.
    public func exchange(_ bytes: ByteBuffer?, readingFrames frames: Int = .max) async throws -> [Frame] {
        try await self.channel.executeThenClose { inbound, outbound in
            if let bytes {
                try await outbound.write(bytes)
            }
            var received = ByteBuffer()
            var parsed: [Frame] = []
            for try await chunk in inbound {
                received.writeImmutableBuffer(chunk)
                while let frame = try FrameParser().parse(&received) {
                    parsed.append(frame)
                    if parsed.count == frames {
                        return parsed
                    }
                }
            }
            return parsed
        }
    }
}

/// Writes its greeting as its channel becomes active.
private final class Greeter: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    private let greeting: ByteBuffer

    init(greeting: ByteBuffer) {
        self.greeting = greeting
    }

    func channelActive(context: ChannelHandlerContext) {
        context.writeAndFlush(self.wrapOutboundOut(self.greeting), promise: nil)
        context.fireChannelActive()
    }
}
