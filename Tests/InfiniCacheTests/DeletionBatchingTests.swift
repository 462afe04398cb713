import ChunkTransport
import ChunkTransportInProcess
import ChunkWire
import InfiniCacheClient
import InfiniCacheNode
import InfiniCacheProxy
import NIOCore
import Synchronization
import Testing

/// A node whose `deleteVersions` requests wait until the test opens the gate, and which
/// records how many versions each one carried.
private final class GatedDeletions: FrameResponder, Sendable {
    private struct State {
        var held: [(Frame, ReplySink)] = []
        var received: [Int] = []
        var isOpen = false
    }

    let node = CacheNode(capacity: 1 << 20)
    private let state = Mutex(State())

    func respond(to request: Frame, replies: ReplySink) {
        guard request.opcode == .deleteVersions else {
            self.node.respond(to: request, replies: replies)
            return
        }
        let versions = (try? DeletionList(from: request.payload).entries.count) ?? -1
        let passes = self.state.withLock { state in
            state.received.append(versions)
            if !state.isOpen {
                state.held.append((request, replies))
            }
            return state.isOpen
        }
        if passes {
            self.node.respond(to: request, replies: replies)
        }
    }

    func open() {
        let held = self.state.withLock { state in
            state.isOpen = true
            defer { state.held = [] }
            return state.held
        }
        for (request, replies) in held {
            self.node.respond(to: request, replies: replies)
        }
    }

    /// The versions each `deleteVersions` request carried, in arrival order.
    var received: [Int] { self.state.withLock { $0.received } }
}

/// A proxy without a small-object tier over three gated nodes of `nodeCapacity` bytes,
/// and a client of it, all in process.
private func gatedCluster(nodeCapacity: Int) throws -> ([GatedDeletions], InfiniCacheClient) {
    let proxy = InfiniCacheProxy(smallObjectTierBudget: 0)
    let nodes = (0..<3).map { _ in GatedDeletions() }
    for (index, node) in nodes.enumerated() {
        _ = proxy.addNode(functionID: "node-\(index)", capacity: nodeCapacity, transport: InProcessTransport(to: node))
    }
    return (nodes, try InfiniCacheClient(proxies: [[InProcessTransport(to: proxy, verifiesPayloadChecksums: false)]]))
}

@Suite("Deletion batching")
struct DeletionBatchingTests {
    @Test("overwrites while a node's deletion travels replace versions there in one later batch, and every old version goes")
    func overwritesShareABatch() async throws {
        let (nodes, client) = try gatedCluster(nodeCapacity: 1 << 20)
        // A 1 KiB value is three replicas, one on each node.
        for round in 1...2 {
            try await client.put("key", ByteBuffer(repeating: UInt8(round), count: 1024))
        }
        // The replaced version's deletion left before the put was answered, and is held.
        #expect(nodes.allSatisfy { $0.received == [1] })
        for round in 3...5 {
            try await client.put("key", ByteBuffer(repeating: UInt8(round), count: 1024))
        }
        #expect(nodes.allSatisfy { $0.received == [1] }, "three more deletions wait behind the one in flight")
        #expect(nodes.allSatisfy { $0.node.store.chunkCount == 5 })

        nodes.forEach { $0.open() }
        for _ in 0..<200 where !nodes.allSatisfy({ $0.received == [1, 3] && $0.node.store.chunkCount == 1 }) {
            try await Task.sleep(for: .milliseconds(5))
        }
        #expect(nodes.allSatisfy { $0.received == [1, 3] }, "\(nodes.map(\.received))")
        #expect(nodes.allSatisfy { $0.node.store.chunkCount == 1 }, "only the last version is left")
        #expect(try await client.get("key") == ByteBuffer(repeating: 5, count: 1024))
        await client.close()
    }
}

private final class Finished: Sendable {
    let flag = Atomic(false)
}

@Suite("Deletion batching, waited on")
struct DeletionBatchingWaitTests {
    @Test("a put that must evict waits for its evictions queued behind a held batch, and goes on once the node answers")
    func evictionWaitsBehindABatch() async throws {
        // Nodes of 64 KiB: two 40 KiB objects (three replicas each) do not fit together.
        let (nodes, client) = try gatedCluster(nodeCapacity: 64 << 10)
        try await client.put("small", ByteBuffer(repeating: 1, count: 1024))
        try await client.put("small", ByteBuffer(repeating: 2, count: 1024))
        #expect(nodes.allSatisfy { $0.received == [1] }, "a batch is held on every node")
        try await client.put("a", ByteBuffer(repeating: 3, count: 40 << 10))

        let finished = Finished()
        let writer = Task {
            try await client.put("b", ByteBuffer(repeating: 4, count: 40 << 10))
            finished.flag.store(true, ordering: .relaxed)
        }
        try await Task.sleep(for: .milliseconds(200))
        let finishedEarly = finished.flag.load(ordering: .relaxed)
        #expect(!finishedEarly, "its evictions wait behind the held batch")
        #expect(nodes.allSatisfy { $0.received == [1] })

        nodes.forEach { $0.open() }
        try await writer.value
        #expect(nodes.allSatisfy { $0.received.count == 2 }, "\(nodes.map(\.received))")
        #expect(try await client.get("b") == ByteBuffer(repeating: 4, count: 40 << 10))
        #expect(try await client.get("a") == nil, "evicted to make room")
        await client.close()
    }
}
