import ChunkTransport
import ChunkTransportInProcess
import ChunkWire
import InfiniCacheClient
import InfiniCacheProxy
import InfiniCacheStatistics
import InfiniCacheTesting
import NIOCore
import TestSupport
import Testing

/// Requests a well-behaved client would never send, straight to the proxy.
@Suite("Proxy protocol edge cases")
struct ProxyProtocolTests {
    private func announce(_ key: String, length: UInt64, k: UInt8, r: UInt8, maxChunk: UInt32 = 1 << 20) -> Frame {
        var payload = ByteBuffer()
        payload.writeInteger(maxChunk, endianness: .little)
        return Frame(.putObject, key: ByteBuffer(string: key), k: k, r: r, objectLength: length, payload: payload)
    }

    @Test("absurd object lengths are refused with an error, not a crash")
    func absurdLengths() async throws {
        let cluster = try await LocalCluster.start(wiring: .inProcess)
        let proxy = InProcessTransport(to: cluster.proxy)
        // A petabyte in one-byte chunks is a billion billion stripes: refused by the object
        // limits before any arithmetic on its stripes, rather than for its size.
        for (length, k, maxChunk, code) in [
            (UInt64.max, UInt8(1), UInt32(1 << 20), ErrorMessage.Code.capacityExceeded), (1 << 50 - 1, 1, 1, .limitExceeded),
            (1 << 40, 1, 1 << 20, .limitExceeded), (1 << 39, 10, 16 << 20, .capacityExceeded),
        ] {
            let answer = try await proxy.request(self.announce("huge", length: length, k: k, r: 0, maxChunk: maxChunk))
            #expect(answer.opcode == .error)
            #expect(try ErrorMessage(from: answer).code == code)
        }
        await cluster.stop()
    }

    @Test("a chunk sent twice is counted once: the version commits only when every chunk is stored")
    func duplicateChunks() async throws {
        let cluster = try await LocalCluster.start(wiring: .inProcess)
        let proxy = InProcessTransport(to: cluster.proxy)
        let placed = try await proxy.request(self.announce("dup", length: 10, k: 2, r: 0))
        #expect(placed.opcode == .stored)
        func chunk(_ index: UInt8) -> Frame {
            Frame(.putChunk, key: ByteBuffer(string: "dup"), chunkIndex: index, k: 2, r: 0, objectLength: 10, objectVersion: placed.objectVersion, payload: ByteBuffer(repeating: index, count: 5))
        }
        #expect(try await proxy.request(chunk(0)).opcode == .stored)
        #expect(try await proxy.request(chunk(0)).opcode == .stored)
        #expect(try await proxy.request(Frame(.statObject, key: ByteBuffer(string: "dup"))).opcode == .notFound)
        #expect(try await proxy.request(chunk(1)).opcode == .stored)
        #expect(try await proxy.request(Frame(.statObject, key: ByteBuffer(string: "dup"))).opcode == .objectInfo)
        let wrongVersion = Frame(.putChunk, key: ByteBuffer(string: "dup"), k: 2, r: 0, objectLength: 10, objectVersion: 999, payload: ByteBuffer(repeating: 0, count: 5))
        #expect(try await proxy.request(wrongVersion).opcode == .error)
        await cluster.stop()
    }

    @Test("a reader that gives up does not make the object lost")
    func cancelledRead() async throws {
        let slow: [Int: Duration] = [0: .milliseconds(400), 1: .milliseconds(400), 2: .milliseconds(400)]
        let cluster = try await LocalCluster.start(wiring: .inProcess, respondDelays: slow)
        let value = ByteBuffer(bytes: randomBytes(count: 1 << 20, seed: 9))
        try await cluster.client.put("patient", value)
        let reader = Task { try await cluster.client.get("patient") }
        try await Task.sleep(for: .milliseconds(50))
        reader.cancel()
        _ = await reader.result
        try await Task.sleep(for: .milliseconds(100))
        #expect(cluster.proxy.statistics().counters.lostObjects == 0)
        #expect(try await cluster.client.get("patient") == value)
        await cluster.stop()
    }

    @Test("objects cut into too many stripes are refused before placement; the nodes stay registered")
    func stripeLimits() async throws {
        let cluster = try await LocalCluster.start(wiring: .inProcess)
        let proxy = InProcessTransport(to: cluster.proxy)
        // 53 bytes that asked for five million one-byte stripes used to stall the proxy.
        for (length, maxChunk) in [(UInt64(5_000_000), UInt32(1)), (4097 * 4096, 4096)] {
            let answer = try await proxy.request(self.announce("sliced", length: length, k: 1, r: 0, maxChunk: maxChunk))
            #expect(answer.opcode == .error)
            #expect(try ErrorMessage(from: answer).code == .limitExceeded)
        }
        // An object of exactly the most stripes, and one stripe of short chunks, are placed.
        #expect(try await proxy.request(self.announce("most", length: 4096 * 4096, k: 1, r: 0, maxChunk: 4096)).opcode == .stored)
        #expect(try await proxy.request(self.announce("small", length: 10, k: 10, r: 2, maxChunk: 1)).opcode == .stored)
        #expect(cluster.proxy.statistics().nodes.count == 12)
        await cluster.stop()
    }
}
