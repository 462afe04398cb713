import FunctionPlatform
import InfiniCacheClient
import InfiniCacheCluster
import InfiniCacheProxy
import NIOCore
import TestSupport
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

// The README's serverless snippet, kept compiling and correct here.
@Suite("README serverless example")
struct ReadmeServerlessExampleTests {
    @Test("a backup taken, every primary reclaimed, the object still read")
    func serverlessSnippet() async throws {
        // 12 functions on a simulated clock, warm-up every minute and backup every 5 minutes.
        let cluster = try ServerlessCluster(functionCount: 12)
        try await cluster.client.put("clip", ByteBuffer(bytes: Array(repeating: 7, count: 1 << 20)))
        await cluster.advance(by: .seconds(6 * 60))          // warm-ups at 1…6 min, a backup at 5 min
        await cluster.reclaimEveryPrimary()                 // the provider takes every primary
        let clip = try await cluster.client.get("clip")     // served by the backups
        #expect(clip == ByteBuffer(bytes: Array(repeating: 7, count: 1 << 20)))
        try await poll(attempts: 500, every: .milliseconds(2)) { cluster.lifecycle.report().counters.failovers >= 12 }
        let report = cluster.lifecycle.report()             // failovers: 12, chunks lost: 0, the bill
        #expect(report.counters.failovers == 12 && report.counters.chunksLost == 0)
        #expect(report.bill.total > 0 && report.bill.total < report.bill.alwaysOnCost)
        await cluster.stop()
    }
}
