import ChunkWire
import NIOCore
import NIOEmbedded
import Testing

@Suite("Decoder resources")
struct DecoderResourceTests {
    /// Collects the frames and errors a decoder passes up.
    private final class Collector: ChannelInboundHandler {
        typealias InboundIn = Frame
        var frames: [Frame] = []
        var errors: [any Error] = []

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            self.frames.append(Self.unwrapInboundIn(data))
        }

        func errorCaught(context: ChannelHandlerContext, error: any Error) {
            self.errors.append(error)
        }
    }

    private func channel(_ decoder: FrameDecoder) throws -> (EmbeddedChannel, Collector) {
        let collector = Collector()
        let channel = EmbeddedChannel()
        try channel.pipeline.syncOperations.addHandler(ByteToMessageHandler(decoder))
        try channel.pipeline.syncOperations.addHandler(collector)
        return (channel, collector)
    }

    private func wire(payloadLength: Int, byte: UInt8 = 1) throws -> ByteBuffer {
        try WireFormat.contiguousBytes(of: Frame(.putChunk, requestID: 1, key: ByteBuffer(string: "k"), payload: ByteBuffer(repeating: byte, count: payloadLength)))
    }

    @Test("what headers declare reserves no more than the shared budget; payloads past it still arrive whole")
    func budget() throws {
        let budget = GatheringBudget(bytes: 16 << 20)
        let channels = try (0..<4).map { _ in try self.channel(FrameDecoder(budget: budget)) }
        var frames = try (0..<4).map { try self.wire(payloadLength: 8 << 20, byte: UInt8($0)) }
        for (index, (channel, _)) in channels.enumerated() {
            try channel.writeInbound(frames[index].readSlice(length: 4096)!)
        }
        #expect(budget.inUse == 16 << 20, "two 8 MiB payloads are gathered; the other two wait for their bytes")
        for (index, (channel, collector)) in channels.enumerated() {
            while frames[index].readableBytes > 0 {
                try channel.writeInbound(frames[index].readSlice(length: min(1 << 20, frames[index].readableBytes))!)
            }
            #expect(collector.frames.count == 1)
            #expect(collector.frames.first?.payload == ByteBuffer(repeating: UInt8(index), count: 8 << 20))
        }
        #expect(budget.inUse == 0)
        // A connection that closes in the middle of a gathered payload gives its reservation back.
        let (closing, _) = try self.channel(FrameDecoder(budget: budget))
        try closing.writeInbound(try self.wire(payloadLength: 8 << 20).getSlice(at: 0, length: 4096)!)
        #expect(budget.inUse == 8 << 20)
        _ = try? closing.finish()
        #expect(budget.inUse == 0)
    }

    @Test("a frame that does not arrive whole within the frame timeout is a stalledFrame error; one that does is not")
    func stall() throws {
        let (channel, collector) = try self.channel(FrameDecoder(frameTimeout: .seconds(30)))
        var frame = try self.wire(payloadLength: 100_000)
        try channel.writeInbound(frame.readSlice(length: 1000)!)
        channel.embeddedEventLoop.advanceTime(by: .seconds(20))
        try channel.writeInbound(frame.readSlice(length: 1000)!)
        channel.embeddedEventLoop.advanceTime(by: .seconds(9))
        #expect(collector.errors.isEmpty)
        // Trickling keeps no frame alive: the deadline runs from the frame's first bytes.
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(collector.errors.compactMap { ($0 as? WireError)?.code } == [.stalledFrame])

        let (prompt, promptCollector) = try self.channel(FrameDecoder(frameTimeout: .seconds(30)))
        var whole = try self.wire(payloadLength: 100_000)
        try prompt.writeInbound(whole.readSlice(length: 1000)!)
        prompt.embeddedEventLoop.advanceTime(by: .seconds(29))
        try prompt.writeInbound(whole)
        prompt.embeddedEventLoop.advanceTime(by: .seconds(60))
        #expect(promptCollector.frames.count == 1 && promptCollector.errors.isEmpty)
        _ = try? prompt.finish()
        _ = try? channel.finish()
    }

    @Test("the deadline starts again with each frame that begins as another completes, and an idle connection is no stall")
    func stallPerFrame() throws {
        let (channel, collector) = try self.channel(FrameDecoder(frameTimeout: .seconds(30)))
        var first = try self.wire(payloadLength: 100_000)
        var second = try self.wire(payloadLength: 100_000, byte: 2)
        try channel.writeInbound(first.readSlice(length: 1000)!)
        channel.embeddedEventLoop.advanceTime(by: .seconds(20))
        // The first frame completes and the second begins in the same read, 20 s in.
        first.writeImmutableBuffer(second.readSlice(length: 1000)!)
        try channel.writeInbound(first)
        channel.embeddedEventLoop.advanceTime(by: .seconds(29))
        #expect(collector.frames.count == 1 && collector.errors.isEmpty)
        channel.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(collector.errors.compactMap { ($0 as? WireError)?.code } == [.stalledFrame])

        let (idle, idleCollector) = try self.channel(FrameDecoder(frameTimeout: .seconds(30)))
        var third = try self.wire(payloadLength: 100_000)
        try idle.writeInbound(third.readSlice(length: 1000)!)
        idle.embeddedEventLoop.advanceTime(by: .seconds(10))
        try idle.writeInbound(third)
        // No frame under way: an idle connection is no stall, however long it stays idle.
        idle.embeddedEventLoop.advanceTime(by: .seconds(50))
        var fourth = try self.wire(payloadLength: 100_000)
        try idle.writeInbound(fourth.readSlice(length: 1000)!)
        idle.embeddedEventLoop.advanceTime(by: .seconds(29))
        #expect(idleCollector.frames.count == 1 && idleCollector.errors.isEmpty)
        idle.embeddedEventLoop.advanceTime(by: .seconds(2))
        #expect(idleCollector.errors.compactMap { ($0 as? WireError)?.code } == [.stalledFrame])
        _ = try? idle.finish()
        _ = try? channel.finish()
    }
}
