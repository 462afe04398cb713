import ChunkTransport
import ChunkTransportInProcess
import ChunkWire
import InfiniCacheClient
import InfiniCacheNode
import InfiniCacheProxy
import NIOCore
import Synchronization
import TestSupport
import Testing

/// A transport that passes everything on and counts the chunk bytes that come back.
private final class ChunkCountingTransport: FrameTransport {
    let base: any FrameTransport
    let chunkBytes = Atomic<Int>(0)

    init(base: any FrameTransport) {
        self.base = base
    }

    func send(_ request: Frame, onResponse: @escaping ResponseHandler) -> PendingRequest {
        self.base.send(request) { result in
            if case .success(let frame) = result, frame.opcode == .chunkData {
                self.chunkBytes.add(frame.payload.readableBytes, ordering: .relaxed)
            }
            onResponse(result)
        }
    }

    func close() async {
        await self.base.close()
    }
}

@Suite("Range reads")
struct RangeReadTests {
    /// 6 nodes, k = 4, r = 2, chunks of at most 4 KiB: a stripe holds 16 KiB.
    private func cluster() throws -> (client: InfiniCacheClient, counter: ChunkCountingTransport, nodes: [CacheNode]) {
        let proxy = InfiniCacheProxy()
        let nodes = (0..<6).map { _ in CacheNode(capacity: 1 << 24) }
        for (index, node) in nodes.enumerated() {
            proxy.addNode(functionID: "node-\(index)", capacity: 1 << 24, transport: InProcessTransport(to: node))
        }
        let counter = ChunkCountingTransport(base: InProcessTransport(to: proxy, verifiesPayloadChecksums: false))
        let client = try InfiniCacheClient(proxies: [[counter]], configuration: ClientConfiguration(dataChunkCount: 4, parityChunkCount: 2, maxChunkLength: 4096))
        return (client, counter, nodes)
    }

    @Test("a range read returns the object's bytes in the range and moves only the chunks of the stripes holding it")
    func rangesOfAKnownObject() async throws {
        let (client, counter, _) = try self.cluster()
        let object = randomBytes(count: 100_000, seed: 3)
        try await client.put("object", ByteBuffer(bytes: object))
        let ranges = [0..<1, 50_000..<51_024, 16_380..<16_400, 0..<100_000, 99_999..<100_000, 99_000..<200_000, 5..<5]
        for range in ranges {
            counter.chunkBytes.store(0, ordering: .relaxed)
            let read = try await client.get(ByteBuffer(string: "object"), range: range)
            let expected = Array(object[range.clamped(to: 0..<object.count)])
            #expect(read.map { Array($0.readableBytesView) } == expected, "range \(range)")
            let stripes = (range.clamped(to: 0..<object.count).isEmpty ? 1 : (min(range.upperBound, object.count) - 1) / 16_384 - range.lowerBound / 16_384 + 1)
            #expect(counter.chunkBytes.load(ordering: .relaxed) <= stripes * 4 * 4096, "range \(range)")
        }
        counter.chunkBytes.store(0, ordering: .relaxed)
        _ = try await client.get(ByteBuffer(string: "object"), range: 50_000..<51_024)
        #expect(counter.chunkBytes.load(ordering: .relaxed) == 4 * 4096, "a 1 KiB range inside one stripe moves k chunks")
        #expect(try await client.get(ByteBuffer(string: "missing"), range: 0..<10) == nil)
        await #expect(throws: InfiniCacheError.self) { try await client.get(ByteBuffer(string: "object"), range: -1..<10) }
    }

    @Test("a range read decodes when the data chunks holding the range are lost")
    func rangesAfterLosingChunks() async throws {
        let (client, _, nodes) = try self.cluster()
        let object = randomBytes(count: 70_000, seed: 4)
        try await client.put("object", ByteBuffer(bytes: object))
        // Two of the six nodes lose their chunks: every stripe loses two of its six.
        for node in nodes.prefix(2) {
            _ = node.store.delete(key: ByteBuffer(string: "object"), version: 0)
        }
        for start in stride(from: 0, to: 70_000, by: 3_001) {
            let range = start..<min(start + 2_500, 70_000)
            let read = try await client.get(ByteBuffer(string: "object"), range: range)
            #expect(read.map { Array($0.readableBytesView) } == Array(object[range]), "range \(range)")
        }
    }

    @Test("openStream reads a stripe ahead of its consumer, byte for byte, and fails if the object changes meanwhile")
    func pacedStream() async throws {
        let (client, counter, _) = try self.cluster()
        let object = randomBytes(count: 200_000, seed: 5)
        try await client.put("paced", ByteBuffer(bytes: object))
        counter.chunkBytes.store(0, ordering: .relaxed)
        guard let stream = try await client.openStream(ByteBuffer(string: "paced")) else {
            Issue.record("the object was not found")
            return
        }
        #expect(stream.length == object.count)
        // Before anything is taken, at most the first two stripes have been read.
        try await Task.sleep(for: .milliseconds(100))
        #expect(counter.chunkBytes.load(ordering: .relaxed) <= 2 * 4 * 4096)
        var read: [UInt8] = []
        for try await part in stream.parts {
            read += Array(part.readableBytesView)
        }
        #expect(read == object)
        #expect(try await client.openStream(ByteBuffer(string: "missing")) == nil)

        let changing = try #require(try await client.openStream(ByteBuffer(string: "paced")))
        var iterator = changing.parts.makeAsyncIterator()
        _ = try await iterator.next()
        try await client.put("paced", ByteBuffer(string: "replaced"))
        await #expect {
            while try await iterator.next() != nil {}
        } throws: { error in
            (error as? InfiniCacheError)?.code == .objectLost
        }
    }
}
