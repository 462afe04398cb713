import ChunkWire
import ErasureCoding
import NIOCore
import NIOExtras
import NIOPosix
import Synchronization

/// One loopback TCP connection that streams chunks from a sender to a receiver, in one of
/// the ways the `wire` suite compares: framed with this library's codec, or unframed
/// (the same bytes, cut into chunks by NIO's own fixed-length decoder, or just discarded).
final class LoopbackTransfer {
    enum Kind {
        /// `FrameEncoder` → `FrameDecoder`; optionally verifying each payload's CRC-32C.
        case framed(verifying: Bool)
        /// Raw bytes → `FixedLengthFrameDecoder` (swift-nio-extras) delivering each chunk.
        case fixedLength
        /// Raw bytes, counted and dropped on arrival.
        case discard
    }

    private let kind: Kind
    private let chunk: ByteBuffer
    private let checksum: UInt32
    private let chunksPerTransfer: Int
    private let server: any Channel
    private let client: any Channel
    private let arrivals: ArrivalCounter

    init(kind: Kind, chunk: ByteBuffer, chunksPerTransfer: Int) throws {
        self.kind = kind
        self.chunk = chunk
        self.checksum = CRC32C.checksum(chunk)
        self.chunksPerTransfer = chunksPerTransfer
        let arrivals = ArrivalCounter()
        self.arrivals = arrivals
        let chunkLength = chunk.readableBytes
        self.server = try ServerBootstrap(group: NIOSingletons.posixEventLoopGroup)
            .childChannelOption(.socketOption(.tcp_nodelay), value: 1)
            .childChannelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    let pipeline = channel.pipeline.syncOperations
                    switch kind {
                    case .framed(let verifying):
                        try pipeline.addHandler(ByteToMessageHandler(FrameDecoder()))
                        try pipeline.addHandler(FrameArrivals(counter: arrivals, verifying: verifying))
                    case .fixedLength:
                        try pipeline.addHandler(ByteToMessageHandler(FixedLengthFrameDecoder(frameLength: chunkLength)))
                        try pipeline.addHandler(ByteArrivals(counter: arrivals))
                    case .discard:
                        try pipeline.addHandler(ByteArrivals(counter: arrivals))
                    }
                }
            }
            .bind(host: "127.0.0.1", port: 0).wait()
        self.client = try ClientBootstrap(group: NIOSingletons.posixEventLoopGroup)
            .channelOption(.socketOption(.tcp_nodelay), value: 1)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    if case .framed = kind {
                        try channel.pipeline.syncOperations.addHandler(FrameEncoder())
                    }
                }
            }
            .connect(to: self.server.localAddress!).wait()
    }

    /// Sends `chunksPerTransfer` chunks and returns once the receiver has all their bytes.
    func transfer() throws {
        let done = self.arrivals.expect(bytes: self.chunk.readableBytes * self.chunksPerTransfer, on: self.client.eventLoop)
        for index in 0..<self.chunksPerTransfer {
            switch self.kind {
            case .framed:
                let frame = Frame(.putChunk, requestID: UInt64(index + 1), key: ByteBuffer(string: "bench"), payload: self.chunk, payloadChecksum: self.checksum)
                self.client.write(frame, promise: nil)
            case .fixedLength, .discard:
                self.client.write(self.chunk, promise: nil)
            }
        }
        self.client.flush()
        try done.wait()
    }

    func close() throws {
        try self.client.close().wait()
        try self.server.close().wait()
    }
}

/// Counts received bytes against a target and completes a promise when it is reached.
private final class ArrivalCounter: Sendable {
    private struct State {
        var remaining = 0
        var promise: EventLoopPromise<Void>?
    }

    private let state = Mutex(State())

    func expect(bytes: Int, on eventLoop: any EventLoop) -> EventLoopFuture<Void> {
        let promise = eventLoop.makePromise(of: Void.self)
        self.state.withLock { $0 = State(remaining: bytes, promise: promise) }
        return promise.futureResult
    }

    func received(_ bytes: Int) {
        let finished: EventLoopPromise<Void>? = self.state.withLock { state in
            state.remaining -= bytes
            guard state.remaining <= 0 else { return nil }
            defer { state.promise = nil }
            return state.promise
        }
        finished?.succeed()
    }

    func failed(_ error: any Error) {
        self.state.withLock { state in
            defer { state.promise = nil }
            return state.promise
        }?.fail(error)
    }
}

private final class FrameArrivals: ChannelInboundHandler {
    typealias InboundIn = Frame
    let counter: ArrivalCounter
    let verifying: Bool

    init(counter: ArrivalCounter, verifying: Bool) {
        self.counter = counter
        self.verifying = verifying
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let frame = Self.unwrapInboundIn(data)
        do {
            if self.verifying {
                try frame.verifyPayloadChecksum()
            }
            self.counter.received(frame.payload.readableBytes)
        } catch {
            self.counter.failed(error)
        }
    }
}

private final class ByteArrivals: ChannelInboundHandler {
    typealias InboundIn = ByteBuffer
    let counter: ArrivalCounter

    init(counter: ArrivalCounter) {
        self.counter = counter
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        self.counter.received(Self.unwrapInboundIn(data).readableBytes)
    }
}
