import ChunkWire
import InfiniCacheClient
import InfiniCacheTesting
import NIOCore
import TestSupport
import Testing

@Suite("Uploads whose bytes arrive in parts")
struct ObjectUploadTests {
    /// Stripes of 4 × 4 KiB.
    private func cluster() async throws -> LocalCluster {
        try await LocalCluster.start(wiring: .inProcess, nodeCount: 6, client: ClientConfiguration(dataChunkCount: 4, parityChunkCount: 2, maxChunkLength: 4096))
    }

    @Test("parts of any size make the object, byte for byte; readers see the old object until finish", arguments: [0, 1, 16_384, 100_003])
    func roundTrip(size: Int) async throws {
        let cluster = try await self.cluster()
        defer { Task { await cluster.stop() } }
        let client = cluster.client
        let key = ByteBuffer(string: "streamed")
        try await client.put(key, ByteBuffer(string: "old"))
        let value = ByteBuffer(bytes: randomBytes(count: size, seed: UInt64(size)))
        let upload = try await client.beginUpload(key, length: size, expiry: .after(milliseconds: 60_000))
        var rest = value
        var step = 1
        while rest.readableBytes > 0 {
            try await upload.write(rest.readSlice(length: min(step, rest.readableBytes))!)
            step = step * 3 + 1
            #expect(try await client.get(key) == ByteBuffer(string: "old"))
        }
        try await upload.finish()
        #expect(try await client.get(key) == value)
        guard case .milliseconds = try await client.ttl(key) else {
            Issue.record("the upload's expiry was not kept")
            return
        }
    }

    @Test("more or fewer bytes than announced are refused, and the old object stays")
    func wrongLength() async throws {
        let cluster = try await self.cluster()
        defer { Task { await cluster.stop() } }
        let client = cluster.client
        let key = ByteBuffer(string: "k")
        try await client.put(key, ByteBuffer(string: "old"))
        let short = try await client.beginUpload(key, length: 10)
        try await short.write(ByteBuffer(string: "12345"))
        await #expect(throws: InfiniCacheError.self) { try await short.finish() }
        let long = try await client.beginUpload(key, length: 3)
        await #expect(throws: InfiniCacheError.self) { try await long.write(ByteBuffer(string: "1234")) }
        #expect(try await client.get(key) == ByteBuffer(string: "old"))
        await #expect(throws: InfiniCacheError.self) { try await client.beginUpload(key, length: -1) }
    }
}
