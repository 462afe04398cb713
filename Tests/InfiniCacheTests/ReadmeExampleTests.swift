import InfiniCacheClient
import InfiniCacheCluster
import NIOCore
import Testing

// The README's client snippet, kept compiling and correct here.
@Suite("README client example")
struct ReadmeClientExampleTests {
    @Test("put, get, stream, exists and delete through an embedded cluster")
    func clientSnippet() async throws {
        let cluster = try await LocalCluster.start(wiring: .inProcess)   // proxy + 12 nodes, in this process
        let client = cluster.client                                     // or InfiniCacheClient.connect(to: [(host, port)])

        let photo = ByteBuffer(bytes: (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0) })
        try await client.put("photo", photo)                            // 10 + 2 chunks on 12 nodes
        let copy = try await client.get("photo")                        // first 10 chunks to arrive, decoded
        #expect(copy == photo)

        var received = 0
        for try await part in client.stream("photo") {                  // stripe by stripe, in order
            received += part.readableBytes
        }
        #expect(received == photo.readableBytes)
        #expect(try await client.exists("photo"))
        #expect(try await client.delete("photo"))
        #expect(try await client.get("photo") == nil)
        await cluster.stop()
    }
}
