import InfiniCacheClient
import InfiniCacheTesting
import NIOCore

let configuration = ClientConfiguration(
    dataChunkCount: 10, parityChunkCount: 2,     // objects over the threshold: 10 + 2
    replicationThreshold: 64 << 10               // objects up to 64 KiB: 3 whole replicas (the default)
)
precondition(configuration.coding(forObjectLength: 1_000) == (1, 2))         // replicated
precondition(configuration.coding(forObjectLength: 1_000_000) == (10, 2))    // erasure-coded

let cluster = try await LocalCluster.start(wiring: .inProcess, client: configuration)
let session = ByteBuffer(string: #"{"user": 42, "cart": [7, 9]}"#)
try await cluster.client.put("session", session)             // one round trip; the proxy keeps a copy
let copy = try await cluster.client.get("session")           // answered by the proxy: no node asked
precondition(copy == session)
let statistics = try await cluster.client.statistics()
precondition(statistics.counters.tierHits == 1 && statistics.tierObjects == 1)
await cluster.stop()
