import InfiniCacheClient
import InfiniCacheTesting
import NIOCore

let cluster = try await LocalCluster.start(wiring: .inProcess)   // proxy + 12 nodes, in this process
let client = cluster.client                                     // or InfiniCacheClient.connect(to: [(host, port)])

let photo = ByteBuffer(bytes: (0..<3_000_000).map { UInt8(truncatingIfNeeded: $0) })
try await client.put("photo", photo)                            // 10 + 2 chunks on 12 nodes
let copy = try await client.get("photo")                        // first 10 chunks to arrive, decoded
precondition(copy == photo)

var received = 0
for try await part in client.stream("photo") {                  // stripe by stripe, in order
    received += part.readableBytes
}
precondition(received == photo.readableBytes)
let exists = try await client.exists("photo")
precondition(exists)
let statistics = try await client.statistics()                  // typed: objects, bytes, hits, nodes…
precondition(statistics.objects == 1 && statistics.counters.hits == 2)
let deleted = try await client.delete("photo")
precondition(deleted)
await cluster.stop()
