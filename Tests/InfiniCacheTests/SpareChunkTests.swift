import ChunkTransport
import ChunkTransportInProcess
import ChunkWire
import InfiniCacheClient
import InfiniCacheNode
import InfiniCacheProxy
import InfiniCacheStatistics
import NIOCore
import Synchronization
import TestSupport
import Testing

/// A node with bad memory that covers its tracks: every chunk it returns is one byte
/// short, with a checksum that matches the short bytes.
private struct ShortChangingNode: FrameResponder {
    let node: CacheNode

    func respond(to request: Frame, replies: ReplySink) {
        guard request.opcode == .getChunk else {
            self.node.respond(to: request, replies: replies)
            return
        }
        _ = InProcessTransport(to: self.node).request(request) { result in
            guard case .success(var answer) = result, answer.opcode == .chunkData, answer.payload.readableBytes > 0 else {
                replies.post((try? result.get()) ?? ErrorMessage(.internalError, "no answer").frame(requestID: 0))
                return
            }
            answer.payload.moveWriterIndex(to: answer.payload.writerIndex - 1)
            answer.payloadChecksum = CRC32C.checksum(answer.payload)
            replies.post(answer)
        }
    }
}

/// The link from the proxy to the client, flipping a byte of the first `count` chunks it
/// carries (their checksums no longer match).
private final class CorruptingLink: FrameTransport {
    let base: any FrameTransport
    let remaining: Mutex<Int>

    init(base: any FrameTransport, corrupting count: Int) {
        self.base = base
        self.remaining = Mutex(count)
    }

    func send(_ request: Frame, onResponse: @escaping ResponseHandler) -> PendingRequest {
        self.base.send(request) { result in
            guard case .success(var frame) = result, frame.opcode == .chunkData, frame.payload.readableBytes > 0,
                self.remaining.withLock({ remaining in
                    defer { remaining -= 1 }
                    return remaining > 0
                })
            else {
                onResponse(result)
                return
            }
            let byte = frame.payload.getInteger(at: frame.payload.readerIndex, as: UInt8.self)!
            var copy = ByteBuffer(buffer: frame.payload)
            copy.setInteger(byte ^ 0xFF, at: copy.readerIndex)
            frame.payload = copy
            onResponse(.success(frame))
        }
    }

    func close() async {
        await self.base.close()
    }
}

@Suite("Spare chunks")
struct SpareChunkTests {
    /// A proxy over 12 nodes, node 0 returning short chunks when `lying`, and a client
    /// whose link corrupts its first `corrupted` chunks.
    private func cache(lying: Bool, corrupted: Int) throws -> (InfiniCacheProxy, InfiniCacheClient) {
        let proxy = InfiniCacheProxy()
        for index in 0..<12 {
            let node = CacheNode(capacity: 1 << 30)
            let responder: any FrameResponder = lying && index == 0 ? ShortChangingNode(node: node) : node
            proxy.addNode(functionID: "node-\(index)", capacity: 1 << 30, transport: InProcessTransport(to: responder))
        }
        let link = CorruptingLink(base: InProcessTransport(to: proxy, verifiesPayloadChecksums: false), corrupting: corrupted)
        return (proxy, try InfiniCacheClient(proxies: [[link]], configuration: ClientConfiguration(maxChunkLength: 64 << 10)))
    }

    @Test("a node whose chunks are a byte short with matching checksums is passed over at the proxy")
    func shortChunks() async throws {
        let (proxy, client) = try self.cache(lying: true, corrupted: 0)
        let value = ByteBuffer(bytes: randomBytes(count: 2 << 20, seed: 11))
        try await client.put("object", value)
        for _ in 0..<5 {
            #expect(try await client.get("object") == value)
        }
        #expect(proxy.statistics().counters.lostObjects == 0)
    }

    @Test("chunks corrupted between proxy and client are replaced by spares; get and stream both recover")
    func corruptedOnTheWay() async throws {
        let (proxy, client) = try self.cache(lying: false, corrupted: 3)
        let value = ByteBuffer(bytes: randomBytes(count: 2 << 20, seed: 12))
        try await client.put("object", value)
        #expect(try await client.get("object") == value)
        var streamed = ByteBuffer()
        let (streamProxy, streamClient) = try self.cache(lying: false, corrupted: 2)
        try await streamClient.put("object", value)
        for try await part in streamClient.stream("object") {
            streamed.writeImmutableBuffer(part)
        }
        #expect(streamed == value)
        #expect(proxy.statistics().counters.lostObjects == 0 && streamProxy.statistics().counters.lostObjects == 0)
    }

    @Test("a reader whose every chunk arrives corrupt fails with objectLost, and the object stays for others")
    func persistentCorruption() async throws {
        let (proxy, client) = try self.cache(lying: false, corrupted: .max)
        let value = ByteBuffer(bytes: randomBytes(count: 1 << 20, seed: 13))
        try await client.put("object", value)
        await #expect {
            _ = try await client.get("object")
        } throws: { error in
            (error as? InfiniCacheError)?.code == .objectLost
        }
        #expect(proxy.statistics().objects == 1, "what a reader reports about chunks does not delete the object")
        #expect(proxy.statistics().counters.lostObjects == 0)
    }
}
