import ChunkWire
import InfiniCacheNode
import LocalFunctionPlatform
import NIOCore
import TestSupport
import Testing

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

    @Test("deleting one version of a key, by a slice of a larger buffer, keeps its others; version 0 deletes them all")
    func deleteVersions() throws {
        let store = ChunkStore(capacity: 1 << 20)
        for version: UInt32 in 1...3 {
            try store.put(self.chunk(UInt8(version)), at: self.address("k", version: version))
        }
        // The key to delete by is a slice of a larger buffer, as a received frame's is.
        var received = ByteBuffer(string: "xxk")
        received.moveReaderIndex(forwardBy: 2)
        #expect(store.delete(key: received, version: 2) == 1)
        #expect(store.chunk(at: self.address("k", version: 2)) == nil)
        #expect(store.chunk(at: self.address("k", version: 1))?.payload.readableBytesView.first == 1)
        #expect(store.chunk(at: self.address("k", version: 3))?.payload.readableBytesView.first == 3)
        #expect(store.delete(key: ByteBuffer(string: "k"), version: 2) == 0)
        #expect(store.delete(key: ByteBuffer(string: "k"), version: 0) == 2)
        #expect(store.chunk(at: self.address("k", version: 1)) == nil && store.chunk(at: self.address("k", version: 3)) == nil)
        #expect(store.usedBytes == 0)
        try store.put(self.chunk(4), at: self.address("k", version: 4))
        #expect(store.delete(key: ByteBuffer(string: "k"), version: 4) == 1)
        #expect(store.usedBytes == 0)
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
        let sync = try self.syncInPages(from: primary, to: backup, since: backup.backupMark, byteBudget: 250) { page in
            if page == 1 {
                // k0 went to the backup in the first page; its delete must follow it.
                primary.delete(key: ByteBuffer(string: "k0"), version: 1)
            }
        }
        #expect(sync.fullCopyPages == [true, false, false, false, false], "10 chunks of 100 bytes, 2 per 250-byte page; the first is the full copy")
        #expect(backup.chunkCount == 9 && backup.chunk(at: self.address("k0")) == nil)
        #expect(backup.chunk(at: self.address("k3"))?.payload == self.chunk(99).payload)
        #expect(primary.delta(since: sync.mark).changes.isEmpty)
    }

    @Test("a full copy in pages completes although the primary forgot deletes newer than its first page")
    func fullCopyPastForgottenDeletes() throws {
        let primary = ChunkStore(capacity: 1 << 20, retainedDeletes: 1)
        for index in 0..<10 {
            try primary.put(self.chunk(UInt8(index)), at: self.address("k\(index)"))
        }
        try primary.put(self.chunk(10), at: self.address("gone"))
        primary.delete(key: ByteBuffer(string: "gone"), version: 1)
        primary.delete(key: ByteBuffer(string: "k9"), version: 1)  // forgets the first delete
        let sync = try self.syncInPages(from: primary, to: nil, since: nil, byteBudget: 250)
        #expect(sync.fullCopyPages.filter { $0 }.count == 1, "later pages continue the copy instead of starting it again")
        #expect(sync.fullCopyPages.count == 5, "9 chunks of 100 bytes, 2 per 250-byte page")
        #expect(primary.delta(since: sync.mark).changes.isEmpty)
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
        undefinedFlag.payload.setInteger(UInt8(4), at: 32)
        #expect(throws: WireError.self) {
            _ = try SyncMessage(from: undefinedFlag)
        }
        let message = SyncMessage(storeID: 7, sequence: 9, deletesThrough: 12, chunkCount: 3, isFullCopy: true, hasMore: true)
        #expect(try SyncMessage(from: message.frame(.syncBegin)) == message)
        var deletesBehind = message.frame(.syncMark)
        deletesBehind.payload.setInteger(UInt64(8), at: 16, endianness: .little)
        #expect(throws: WireError.self) {
            _ = try SyncMessage(from: deletesBehind)
        }
    }

    @Test("paged deltas keep a backup identical to its primary through replacements and deletes", arguments: [65_536, 4])
    func randomHistory(retainedDeletes: Int) throws {
        var generator = SplitMix64(seed: UInt64(retainedDeletes))
        let primary = ChunkStore(capacity: 1 << 30, retainedDeletes: retainedDeletes)
        let backup = ChunkStore(capacity: 1 << 30)
        var mark: SyncMark?
        var fullCopies = 0
        for _ in 0..<30 {
            for _ in 0..<60 {
                let key = ByteBuffer(string: "k\(Int.random(in: 0..<12, using: &generator))")
                let version = UInt32.random(in: 1...3, using: &generator)
                if Int.random(in: 0..<5, using: &generator) == 0 {
                    primary.delete(key: key, version: Bool.random(using: &generator) ? 0 : version)
                } else {
                    let payload = ByteBuffer(bytes: randomBytes(count: Int.random(in: 1..<300, using: &generator), seed: generator.next()))
                    let address = ChunkStore.Address(key: key, version: version, stripe: UInt32.random(in: 0..<3, using: &generator), chunk: UInt8.random(in: 0..<2, using: &generator))
                    try primary.put(ChunkStore.Chunk(payload: payload, checksum: 0, k: 1, r: 1, objectLength: 1), at: address)
                }
            }
            let sync = try self.syncInPages(from: primary, to: backup, since: mark, byteBudget: 700)
            fullCopies += sync.fullCopyPages.first == true ? 1 : 0
            mark = sync.mark
            #expect(self.contents(of: backup) == self.contents(of: primary))
        }
        #expect(retainedDeletes < 60 ? fullCopies > 1 : fullCopies == 1, "\(fullCopies) full copies")
    }

    /// Pages `primary`'s changes since `mark` in deltas of `byteBudget` bytes, replaying
    /// each on `backup` if given, until a page is complete (at most 1000 pages);
    /// `beforePage` runs before each page is asked for, with its index. Returns the mark
    /// reached and whether each page was a full copy.
    private func syncInPages(
        from primary: ChunkStore,
        to backup: ChunkStore?,
        since mark: SyncMark?,
        byteBudget: Int,
        beforePage: (Int) -> Void = { _ in }
    ) throws -> (mark: SyncMark?, fullCopyPages: [Bool]) {
        var mark = mark
        var fullCopyPages: [Bool] = []
        repeat {
            beforePage(fullCopyPages.count)
            let delta = primary.delta(since: mark, byteBudget: byteBudget)
            if let backup {
                try self.apply(delta, to: backup)
            }
            mark = delta.head
            fullCopyPages.append(delta.isFullCopy)
            if !delta.isPartial { break }
        } while fullCopyPages.count < 1000
        return (mark, fullCopyPages)
    }

    private func apply(_ delta: ChunkStore.Delta, to backup: ChunkStore) throws {
        backup.beginSync(fullCopy: delta.isFullCopy)
        for change in delta.changes {
            switch change {
            case .put(let address, let chunk): try backup.put(chunk, at: address)
            case .delete(let key, let version): backup.delete(key: key, version: version)
            }
        }
        backup.commitSync(delta.head)
    }

    /// Every chunk a store holds, by address (read through a full-copy delta).
    private func contents(of store: ChunkStore) -> [ChunkStore.Address: ByteBuffer] {
        var contents: [ChunkStore.Address: ByteBuffer] = [:]
        for case .put(let address, let chunk) in store.delta(since: nil, byteBudget: .max).changes {
            contents[address] = chunk.payload
        }
        return contents
    }
}
