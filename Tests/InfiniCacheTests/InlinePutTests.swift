import ChunkTransport
import ChunkTransportInProcess
import ChunkWire
import InfiniCacheClient
import InfiniCacheNode
import InfiniCacheProxy
import InfiniCacheStatistics
import InfiniCacheTesting
import NIOCore
import TestSupport
import Testing

/// `putObjectInline`, the write in one round trip, straight to the proxy.
@Suite("One-round-trip put")
struct InlinePutTests {
    private func inline(_ key: String, length: Int, k: UInt8, r: UInt8, maxChunk: Int = 1 << 20, chunks: [ByteBuffer], expiry: ObjectExpiry = .never) -> Frame {
        var payload = ByteBuffer()
        InlinePut(maxChunkLength: maxChunk, expiry: expiry, chunks: chunks).write(to: &payload)
        return Frame(.putObjectInline, key: ByteBuffer(string: key), k: k, r: r, objectLength: UInt64(length), payload: payload)
    }

    private func errorCode(_ frame: Frame) throws -> ErrorMessage.Code? {
        frame.opcode == .error ? try ErrorMessage(from: frame).code : nil
    }

    @Test("one request stores every chunk and commits the version; a replicated object's one chunk goes to r + 1 nodes")
    func storesAndCommits() async throws {
        let cluster = try await LocalCluster.start(wiring: .inProcess)
        defer { Task { await cluster.stop() } }
        let proxy = InProcessTransport(to: cluster.proxy)
        let value = ByteBuffer(bytes: randomBytes(count: 1000, seed: 31))
        let stored = try await proxy.request(self.inline("replicated", length: 1000, k: 1, r: 2, chunks: [value], expiry: .after(milliseconds: 60_000)))
        #expect(stored.opcode == .stored && stored.objectVersion != 0)
        #expect(cluster.proxy.functions(holding: "replicated")?.count == 3)
        #expect(try await cluster.client.get("replicated") == value)
        #expect(try await cluster.client.ttl("replicated") != .forever, "the expiry came with the write")

        // An erasure-coded stripe carries its k + r chunks, as the client codes them.
        let coded = ByteBuffer(bytes: randomBytes(count: 100_000, seed: 32))
        try await cluster.client.put("coded", coded)
        #expect(cluster.proxy.functions(holding: "coded")?.count == 12)
        #expect(try await cluster.client.get("coded") == coded)
    }

    @Test("an inline put that is not one stripe of the right chunks is refused before anything is placed")
    func refusals() async throws {
        let cluster = try await LocalCluster.start(wiring: .inProcess)
        defer { Task { await cluster.stop() } }
        let proxy = InProcessTransport(to: cluster.proxy)
        let chunk = ByteBuffer(repeating: 1, count: 4096)
        let cases: [(Frame, ErrorMessage.Code)] = [
            (self.inline("two stripes", length: 8192, k: 1, r: 2, maxChunk: 4096, chunks: [chunk]), .badRequest),
            (self.inline("too few", length: 8192, k: 2, r: 1, chunks: [chunk, chunk]), .badRequest),
            (self.inline("replicas carried", length: 4096, k: 1, r: 2, chunks: [chunk, chunk, chunk]), .badRequest),
            (self.inline("wrong length", length: 4000, k: 1, r: 2, chunks: [chunk]), .badRequest),
            (Frame(.putObjectInline, key: ByteBuffer(string: "garbage"), k: 1, r: 2, objectLength: 4, payload: ByteBuffer(bytes: [1, 2, 3])), .badRequest),
            (self.inline("no coding", length: 4096, k: 0, r: 2, chunks: [chunk]), .badRequest),
            (self.inline("huge", length: 1 << 50 + 1, k: 1, r: 2, chunks: [chunk]), .capacityExceeded),
            (self.inline("tiny chunks", length: 4096, k: 1, r: 2, maxChunk: 1, chunks: [chunk]), .limitExceeded),
        ]
        for (request, code) in cases {
            let answer = try await proxy.request(request)
            #expect(try self.errorCode(answer) == code, "\(String(buffer: request.key))")
        }
        let statistics = cluster.proxy.statistics()
        #expect(statistics.objects == 0 && statistics.nodes.allSatisfy { $0.used == 0 })
        #expect(cluster.nodes.allSatisfy { $0.store.chunkCount == 0 })
    }

    @Test("a client that gives up on an inline put leaves the old object, and the new chunks are deleted")
    func cancelled() async throws {
        let slow = Dictionary(uniqueKeysWithValues: (0..<12).map { ($0, Duration.milliseconds(300)) })
        let cluster = try await LocalCluster.start(wiring: .inProcess, respondDelays: slow, delayedOpcodes: [.putChunk])
        defer { Task { await cluster.stop() } }
        let proxy = InProcessTransport(to: cluster.proxy)
        let old = ByteBuffer(repeating: 1, count: 100)
        #expect(try await proxy.request(self.inline("kept", length: 100, k: 1, r: 2, chunks: [old])).opcode == .stored)
        let writer = Task { try await proxy.request(self.inline("kept", length: 100, k: 1, r: 2, chunks: [ByteBuffer(repeating: 2, count: 100)])) }
        try await Task.sleep(for: .milliseconds(50))
        writer.cancel()
        _ = await writer.result
        try await Task.sleep(for: .milliseconds(500))
        #expect(try await cluster.client.get("kept") == old)
        #expect(cluster.nodes.reduce(0) { $0 + $1.store.chunkCount } == 3, "only the old version's replicas are left")
    }

    @Test("a node lost while the evicted objects' chunks are deleted fails the put with unavailable, and the upload is dropped")
    func nodeLostBeforeSending() async throws {
        // Deletes take 300 ms, so that node 0 goes away between the placement and the sending.
        let slow = Dictionary(uniqueKeysWithValues: (0..<3).map { ($0, Duration.milliseconds(300)) })
        let cluster = try await LocalCluster.start(
            wiring: .inProcess, nodeCount: 3, nodeCapacity: 64 << 10, respondDelays: slow, delayedOpcodes: [.deleteVersions], smallObjectTierBudget: 0
        )
        defer { Task { await cluster.stop() } }
        try await cluster.client.put("old", ByteBuffer(repeating: 1, count: 40 << 10))
        let writer = Task { try await cluster.client.put("new", ByteBuffer(repeating: 2, count: 40 << 10)) }
        // The new version is placed once the old one is evicted; its chunks wait for the deletes.
        for _ in 0..<200 where cluster.proxy.functions(holding: "old") != nil {
            try await Task.sleep(for: .milliseconds(5))
        }
        await cluster.kill(node: 0)
        let failure = await #expect(throws: InfiniCacheError.self) { try await writer.value }
        #expect(failure?.message.contains("abandoned before its chunks were sent") == true, "\(String(describing: failure))")
        #expect(try await cluster.client.get("new") == nil)
        #expect(try await cluster.client.get("old") == nil, "evicted to make room")
        for _ in 0..<200 where cluster.nodes.reduce(0, { $0 + $1.store.chunkCount }) > 0 {
            try await Task.sleep(for: .milliseconds(10))
        }
        #expect(cluster.nodes.allSatisfy { $0.store.chunkCount == 0 }, "the new version's chunks are deleted with its upload")
        #expect(cluster.proxy.statistics().nodes.allSatisfy { $0.used == 0 })
    }
}
