import ChunkWire
import Foundation
import InfiniCacheClient
import InfiniCacheNode
import InfiniCacheProxy
import InfiniCacheStatistics
import InfiniCacheTesting
import LocalFunctionPlatform
import NIOCore
import TestSupport
import Testing

@Suite("End to end")
struct EndToEndTests {
    @Test("objects from 0 bytes to 24 MiB round-trip byte for byte, in process and over TCP", arguments: [LocalCluster.Wiring.inProcess, .tcp])
    func roundTrip(wiring: LocalCluster.Wiring) async throws {
        let cluster = try await LocalCluster.start(wiring: wiring, client: multiStripe)
        let sizes = [0, 1, 9, 1000, 65_537, (1 << 20) + 7, 3 << 20, 24 << 20]
        for (index, size) in sizes.enumerated() {
            let value = ByteBuffer(bytes: randomBytes(count: size, seed: UInt64(index)))
            try await cluster.client.put("object-\(index)", value)
            #expect(try await cluster.client.get("object-\(index)") == value, "size \(size)")
            #expect(try await cluster.client.exists("object-\(index)"))
        }
        var streamed = ByteBuffer()
        for try await part in cluster.client.stream("object-7") {
            streamed.writeImmutableBuffer(part)
        }
        #expect(streamed == ByteBuffer(bytes: randomBytes(count: 24 << 20, seed: 7)))
        #expect(try await cluster.client.get("missing") == nil)
        #expect(try await cluster.client.exists("missing") == false)
        await #expect {
            for try await _ in cluster.client.stream("missing") {}
        } throws: { error in
            (error as? InfiniCacheError)?.code == .notFound
        }
        #expect(cluster.proxy.statistics().bytes == sizes.reduce(0, +))
        #expect(try await cluster.client.delete("object-3"))
        #expect(cluster.proxy.statistics().bytes == sizes.reduce(0, +) - sizes[3])
        #expect(try await cluster.client.get("object-3") == nil)
        #expect(try await cluster.client.delete("object-3") == false)
        await cluster.stop()
    }

    @Test("up to r lost nodes lose nothing; r + 1 nodes of a stripe lose that object only")
    func nodeLoss() async throws {
        let cluster = try await LocalCluster.start(wiring: .inProcess, nodeCount: 12, client: ClientConfiguration(dataChunkCount: 4, parityChunkCount: 2))
        var values: [String: ByteBuffer] = [:]
        for index in 0..<12 {
            values["k\(index)"] = ByteBuffer(bytes: randomBytes(count: 100_000 + index, seed: UInt64(index)))
            try await cluster.client.put("k\(index)", values["k\(index)"]!)
        }
        let victimHolders = try #require(cluster.proxy.functions(holding: "k0")).sorted()
        // Two of the victim's nodes: every object still reads back.
        for function in victimHolders.prefix(2) {
            await cluster.kill(node: Int(function.dropFirst("node-".count))!)
        }
        for (key, value) in values {
            #expect(try await cluster.client.get(key) == value, "\(key) after losing r nodes")
        }
        // A third: k0 is lost, objects on other nodes are not.
        let third = victimHolders[2]
        let unaffected = values.keys.filter { key in
            cluster.proxy.functions(holding: key).map { $0.isDisjoint(with: Set(victimHolders.prefix(3))) } ?? false
        }
        #expect(!unaffected.isEmpty, "some objects live on none of the three lost nodes")
        await cluster.kill(node: Int(third.dropFirst("node-".count))!)
        await #expect {
            _ = try await cluster.client.get("k0")
        } throws: { error in
            (error as? InfiniCacheError)?.code == .objectLost
        }
        #expect(try await cluster.client.get("k0") == nil, "a lost object is removed")
        for key in unaffected {
            #expect(try await cluster.client.get(key) == values[key])
        }
        await cluster.stop()
    }

    @Test("reads complete without waiting for a straggler node")
    func straggler() async throws {
        // Node 0 stores at once but answers a read an hour late: a read that waited for it
        // would hit the time limit. (A wall-clock bound below the straggler's delay failed
        // on a loaded machine, where a read can take seconds for reasons of its own.)
        let cluster = try await LocalCluster.start(wiring: .inProcess, respondDelays: [0: .seconds(3600)], delayedOpcodes: [.getChunk])
        let value = ByteBuffer(bytes: randomBytes(count: 2 << 20, seed: 1))
        try await cluster.client.put("slow", value)
        for _ in 0..<3 {
            #expect(try await within(.seconds(60)) { try await cluster.client.get("slow") } == value)
        }
        await cluster.stop()
    }

    @Test("filling past capacity evicts least recently used objects; nodes never exceed their cap")
    func eviction() async throws {
        let capacity = 1 << 20
        let cluster = try await LocalCluster.start(wiring: .inProcess, nodeCapacity: capacity)
        let size = 1 << 20  // 10 + 2 chunks of ~100 KiB: ~10 objects fit
        for index in 0..<8 {
            try await cluster.client.put("e\(index)", selfDescribingValue(count: size, seed: UInt64(index)))
        }
        _ = try await cluster.client.get("e0")  // e0 becomes the most recently used
        for index in 8..<16 {
            try await cluster.client.put("e\(index)", selfDescribingValue(count: size, seed: UInt64(index)))
            #expect(cluster.nodes.allSatisfy { $0.store.usedBytes <= capacity })
        }
        #expect(try await cluster.client.get("e1") == nil, "the least recently used object went first")
        #expect(try await cluster.client.get("e0") != nil, "a recently read object survives")
        #expect(try await cluster.client.get("e15") == selfDescribingValue(count: size, seed: 15))
        let statistics = cluster.proxy.statistics()
        #expect(statistics.counters.evictions >= 6)
        await #expect {
            try await cluster.client.put("huge", ByteBuffer(repeating: 1, count: 12 << 20))
        } throws: { error in
            (error as? InfiniCacheError)?.code == .rejected
        }
        await cluster.stop()
    }

    @Test("concurrent puts, gets, deletes and overwrites never tear an object or leak requests")
    func concurrency() async throws {
        let cluster = try await LocalCluster.start(wiring: .inProcess, client: multiStripe)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for worker in 0..<12 {
                group.addTask {
                    var generator = SplitMix64(seed: UInt64(worker))
                    for step in 0..<25 {
                        let key = "shared-\(Int.random(in: 0..<4, using: &generator))"
                        switch Int.random(in: 0..<10, using: &generator) {
                        case 0..<4:
                            let size = Int.random(in: 8...(600 << 10), using: &generator)
                            try await cluster.client.put(key, selfDescribingValue(count: size, seed: UInt64(worker * 1000 + step)))
                        case 4:
                            try await cluster.client.delete(key)
                        default:
                            if let value = try await cluster.client.get(key) {
                                #expect(isIntact(value), "a read returned a torn object")
                            }
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        try await Task.sleep(for: .milliseconds(50))
        #expect(cluster.outstandingRequests == 0)
        await cluster.stop()
    }
}

@Suite("Storage charges")
struct StorageChargeTests {
    @Test("keys and per-chunk bookkeeping count against a node's cap: empty objects with long keys are evicted, not hoarded")
    func longKeysEmptyObjects() async throws {
        let capacity = 1 << 20
        // Erasure-coded, so that every object puts a chunk on every node.
        let cluster = try await LocalCluster.start(wiring: .inProcess, nodeCapacity: capacity, client: ClientConfiguration(replicationThreshold: 0))
        let prefix = String(repeating: "k", count: 990)
        for index in 0..<1500 {
            try await cluster.client.put(prefix + String(format: "%010d", index), ByteBuffer())
        }
        let statistics = cluster.proxy.statistics()
        let perChunk = StorageCharge.standard.bytes(payloadLength: 0, keyLength: 1000)
        #expect(statistics.counters.evictions > 0)
        #expect(statistics.objects <= capacity / perChunk)
        #expect(statistics.nodes.allSatisfy { $0.used <= $0.capacity })
        #expect(cluster.nodes.allSatisfy { $0.store.usedBytes <= capacity })
        #expect(try await cluster.client.get(prefix + String(format: "%010d", 1499)) == ByteBuffer())
        await cluster.stop()
    }
}
