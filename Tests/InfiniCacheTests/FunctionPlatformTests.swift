import ChunkTransport
import ChunkWire
import FunctionPlatform
import InfiniCacheNode
import LocalFunctionPlatform
import NIOCore
import Testing

@Suite("Function platform")
struct FunctionPlatformTests {
    private func platform(granularity: Duration = .milliseconds(1), memoryMiB: Int = 1536, policy: ReclaimPolicy = ReclaimPolicy()) -> (LocalFunctionPlatform, ManualClock) {
        let clock = ManualClock()
        let configuration = LocalFunctionPlatform.Configuration(memoryMiB: memoryMiB, nodeCapacity: 1 << 20, billingGranularity: granularity, reclaimPolicy: policy)
        return (LocalFunctionPlatform(functions: ["f", "g"], configuration: configuration, clock: clock), clock)
    }

    private func probe(_ invocation: any FunctionInvocation) async throws -> Frame {
        try await invocation.transport.request(Frame(.getChunk, key: ByteBuffer(string: "k"), payloadChecksum: 0))
    }

    @Test("an invocation reuses an idle warm instance; concurrent ones run on distinct instances")
    func routing() async throws {
        let (platform, _) = self.platform()
        let first = try await platform.invoke("f", payload: .serve)
        let concurrent = try await platform.invoke("f", payload: .backup)
        #expect(first.isColdStart && concurrent.isColdStart)
        #expect(first.instanceID != concurrent.instanceID)
        first.end()
        concurrent.end()
        let again = try await platform.invoke("f", payload: .serve)
        #expect(!again.isColdStart)
        #expect(again.instanceID == first.instanceID, "the oldest idle instance (the primary) takes the invocation")
        #expect(platform.usage().first { $0.function == "f" }?.invocations == 3)
    }

    @Test("a frozen instance serves nothing; an unknown function is a typed error")
    func frozenAndUnknown() async throws {
        let (platform, _) = self.platform()
        let invocation = try await platform.invoke("f", payload: .serve)
        #expect(try await self.probe(invocation).opcode == .notFound)
        invocation.end()
        #expect(!invocation.isRunning)
        await #expect {
            _ = try await self.probe(invocation)
        } throws: { error in
            (error as? TransportError)?.code == .connectionClosed
        }
        await #expect {
            _ = try await platform.invoke("nope", payload: .serve)
        } throws: { error in
            (error as? PlatformError)?.code == .unknownFunction
        }
    }

    @Test("an invocation asked to end while it serves a request ends after the request")
    func endWhileServing() async throws {
        let clock = ManualClock()
        let configuration = LocalFunctionPlatform.Configuration(respondDelays: ["f": .milliseconds(200)])
        let platform = LocalFunctionPlatform(functions: ["f"], configuration: configuration, clock: clock)
        let invocation = try await platform.invoke("f", payload: .warmUp)
        let request = Task { try await self.probe(invocation) }
        for _ in 0..<500 where platform.requestsInFlight == 0 {
            try await Task.sleep(for: .milliseconds(1))
        }
        invocation.end()
        #expect(invocation.isRunning, "the request in flight keeps it running")
        await platform.tick()
        #expect(invocation.isRunning)
        #expect(try await request.value.opcode == .notFound)
        #expect(!invocation.isRunning, "it ended with the request's final response")
    }

    @Test("a serving instance returns after the extension window, at the billing boundary")
    func idleReturn() async throws {
        let (platform, clock) = self.platform(granularity: .milliseconds(100))
        let invocation = try await platform.invoke("f", payload: .serve)
        clock.advance(by: .milliseconds(250))
        _ = try await self.probe(invocation)
        // Idle for the 1 s window from 1.25 s; the next 100 ms boundary is 1.3 s.
        clock.advance(by: .milliseconds(1049))
        await platform.tick()
        #expect(invocation.isRunning)
        clock.advance(by: .milliseconds(1))
        await platform.tick()
        #expect(!invocation.isRunning)
        #expect(platform.usage().first { $0.function == "f" }?.billedDuration == .milliseconds(1300))
    }

    @Test("idle instances are reclaimed after the maximum idle lifetime and by chaos, taking their memory")
    func reclaim() async throws {
        let (platform, clock) = self.platform(policy: ReclaimPolicy(maximumIdleLifetime: .seconds(600)))
        let invocation = try await platform.invoke("f", payload: .warmUp)
        invocation.end()
        clock.advance(by: .seconds(599))
        await platform.tick()
        #expect(platform.instances(of: "f").count == 1)
        clock.advance(by: .seconds(1))
        await platform.tick()
        #expect(platform.instances(of: "f").isEmpty)
        #expect(try await platform.invoke("f", payload: .serve).isColdStart)
        let running = try #require(platform.instances(of: "f").first)
        await platform.reclaim("f", instance: running.id)
        #expect(platform.instances(of: "f").isEmpty)
        #expect(platform.usage().first { $0.function == "f" }?.reclaims == 2)
    }

    /// 1000 warm-ups of 12.3 ms, a serve whose last request came 500.3 ms in (1 s
    /// extension window), and a backup of an hour and 40 ms, on 10 GiB functions:
    /// - 1 ms:   13 s + 1.501 s + 3600.040 s = 3614.541 s × 10 GB = 36145.41 GB-s.
    /// - 100 ms: 100 s + 1.6 s + 3600.1 s = 3701.7 s × 10 GB = 37017 GB-s.
    /// Each adds 1002 invocations × $0.0000002 = $0.0002004.
    @Test("the bill of a scripted run equals the hand-computed value", arguments: [(1, 36145.41, 0.602625104847), (100, 37017.0, 0.6171516339)])
    func bill(granularityMilliseconds: Int, gigabyteSeconds: Double, dollars: Double) async throws {
        let (platform, clock) = self.platform(granularity: .milliseconds(granularityMilliseconds), memoryMiB: 10 * 1024)
        for _ in 0..<1000 {
            let warmUp = try await platform.invoke("f", payload: .warmUp)
            clock.advance(by: .microseconds(12_300))
            warmUp.end()
            clock.advance(by: .seconds(1))
        }
        let serve = try await platform.invoke("f", payload: .serve)
        clock.advance(by: .microseconds(500_300))
        _ = try await self.probe(serve)
        clock.advance(by: .seconds(5))
        await platform.tick()
        #expect(!serve.isRunning)
        let backup = try await platform.invoke("g", payload: .backup)
        clock.advance(by: .seconds(3600) + .milliseconds(40))
        backup.end()
        let bill = CostMeter().bill(for: platform.usage(), over: .seconds(3600))
        #expect(bill.invocations == 1002)
        #expect(abs(bill.gigabyteSeconds - gigabyteSeconds) < 1e-6)
        #expect(abs(bill.total - dollars) < 1e-9)
        #expect((bill.total * 100).rounded() == (dollars * 100).rounded())
        #expect(bill.alwaysOnCost == 10.368)
    }
}

@Suite("Delta sync of a chunk store")
struct ChunkStoreDeltaTests {
    private func chunk(_ byte: UInt8) -> ChunkStore.Chunk {
        ChunkStore.Chunk(payload: ByteBuffer(bytes: [UInt8](repeating: byte, count: 100)), checksum: 0, k: 1, r: 1, objectLength: 100)
    }

    private func address(_ key: String, version: UInt32 = 1) -> ChunkStore.Address {
        ChunkStore.Address(key: ByteBuffer(string: key), version: version, stripe: 0, chunk: 0)
    }

    @Test("a delta holds only the changes since the mark, in order, deletes included")
    func delta() throws {
        let store = ChunkStore(capacity: 1 << 20)
        try store.put(self.chunk(1), at: self.address("a"))
        try store.put(self.chunk(2), at: self.address("b"))
        let first = store.delta(since: nil)
        #expect(first.isFullCopy && first.changes.count == 2)
        store.delete(key: ByteBuffer(string: "a"), version: 1)
        try store.put(self.chunk(3), at: self.address("c"))
        let second = store.delta(since: first.head)
        #expect(!second.isFullCopy)
        guard second.changes.count == 2, case .delete(let key, 1) = second.changes[0], case .put(let address, _) = second.changes[1] else {
            Issue.record("unexpected delta \(second.changes)")
            return
        }
        #expect(key == ByteBuffer(string: "a") && address == self.address("c"))
        #expect(store.delta(since: second.head).changes.isEmpty)
    }

    @Test("a mark of another store, or older than the retained deletes, gets a full copy")
    func fullCopy() throws {
        let store = ChunkStore(capacity: 1 << 20, retainedDeletes: 1)
        try store.put(self.chunk(1), at: self.address("a"))
        let mark = store.delta(since: nil).head
        #expect(store.delta(since: SyncMark(storeID: mark.storeID &+ 1, sequence: mark.sequence)).isFullCopy)
        try store.put(self.chunk(2), at: self.address("b"))
        try store.put(self.chunk(3), at: self.address("c"))
        store.delete(key: ByteBuffer(string: "b"), version: 1)
        #expect(!store.delta(since: mark).isFullCopy)
        store.delete(key: ByteBuffer(string: "c"), version: 1)
        let behind = store.delta(since: mark)
        #expect(behind.isFullCopy, "the delete of b is forgotten")
        #expect(behind.changes.count == 1)
    }

    @Test("a delta in pages of a byte budget brings a backup up to date, deletes included")
    func pages() throws {
        let primary = ChunkStore(capacity: 1 << 20)
        let backup = ChunkStore(capacity: 1 << 20)
        for index in 0..<10 {
            try primary.put(self.chunk(UInt8(index)), at: self.address("k\(index)"))
        }
        primary.delete(key: ByteBuffer(string: "k3"), version: 1)
        try primary.put(self.chunk(99), at: self.address("k3"))
        var mark = backup.backupMark
        var pages = 0
        repeat {
            if pages == 1 {
                // k0 went to the backup in the first page; its delete must follow it.
                primary.delete(key: ByteBuffer(string: "k0"), version: 1)
            }
            let delta = primary.delta(since: mark, byteBudget: 250)
            #expect(delta.isFullCopy == (pages == 0))
            backup.beginSync(fullCopy: delta.isFullCopy)
            for change in delta.changes {
                switch change {
                case .put(let address, let chunk): try backup.put(chunk, at: address)
                case .delete(let key, let version): backup.delete(key: key, version: version)
                }
            }
            backup.commitSync(delta.head)
            mark = delta.head
            pages += 1
            if !delta.isPartial { break }
        } while pages < 20
        #expect(pages == 5, "10 chunks of 100 bytes, 2 per 250-byte page")
        #expect(backup.chunkCount == 9 && backup.chunk(at: self.address("k0")) == nil)
        #expect(backup.chunk(at: self.address("k3"))?.payload == self.chunk(99).payload)
        #expect(primary.delta(since: mark).changes.isEmpty)
    }

    @Test("a write outside a sync clears a backup's mark; a full copy gives the store a new id")
    func markLifetime() throws {
        let store = ChunkStore(capacity: 1 << 20)
        let id = store.storeID
        store.beginSync(fullCopy: true)
        #expect(store.storeID != id)
        try store.put(self.chunk(1), at: self.address("a"))
        store.commitSync(SyncMark(storeID: 7, sequence: 1))
        #expect(store.backupMark == SyncMark(storeID: 7, sequence: 1))
        try store.put(self.chunk(2), at: self.address("b"))
        #expect(store.backupMark == nil)
    }

    @Test("a malformed sync message is a typed wire error")
    func malformed() throws {
        #expect(throws: WireError.self) {
            _ = try SyncMessage(from: Frame(.syncMark, payload: ByteBuffer(bytes: [1, 2, 3])))
        }
        var undefinedFlag = SyncMessage(storeID: 1, sequence: 1).frame(.syncMark)
        undefinedFlag.payload.setInteger(UInt8(4), at: 24)
        #expect(throws: WireError.self) {
            _ = try SyncMessage(from: undefinedFlag)
        }
        let message = SyncMessage(storeID: 7, sequence: 9, chunkCount: 3, isFullCopy: true, hasMore: true)
        #expect(try SyncMessage(from: message.frame(.syncBegin)) == message)
    }
}
