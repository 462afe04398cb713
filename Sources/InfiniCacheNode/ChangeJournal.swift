import NIOCore

/// A store's change numbering for delta sync: every stored chunk and every delete gets the
/// next sequence number; the most recent deletes are kept so a backup can replay them.
struct ChangeJournal {
    struct Delete {
        var key: ByteBuffer
        var version: UInt32
        var sequence: UInt64
    }

    /// Tells this store's changes from any other's; renewed when the store is replaced
    /// by a full copy, so that a store mirroring it starts over too.
    private(set) var storeID = UInt64.random(in: 1...UInt64.max)
    private(set) var lastSequence: UInt64 = 0
    private(set) var deletes = CircularBuffer<Delete>()
    /// Deletes up to this sequence number were forgotten: a mark whose
    /// ``SyncMark/deletesThrough`` is older cannot be brought up to date by a delta.
    private(set) var forgottenThrough: UInt64 = 0
    /// The primary store and change this store mirrors, after a completed sync. Cleared
    /// when a sync begins, and by any write outside a sync (the store then holds more than
    /// the mark says).
    private(set) var backupMark: SyncMark?
    /// Between a sync's begin and its commit, writes are the sync's own.
    private var syncing = false
    private let retainedDeletes: Int

    init(retainedDeletes: Int = 65_536) {
        self.retainedDeletes = max(retainedDeletes, 0)
    }

    /// Numbers a chunk stored.
    mutating func recordPut() -> UInt64 {
        self.nextSequence()
    }

    mutating func recordDelete(key: ByteBuffer, version: UInt32) {
        let sequence = self.nextSequence()
        self.deletes.append(Delete(key: ByteBuffer(bytes: key.readableBytesView), version: version, sequence: sequence))
        while self.deletes.count > self.retainedDeletes, let forgotten = self.deletes.popFirst() {
            self.forgottenThrough = forgotten.sequence
        }
    }

    mutating func beginSync(fullCopy: Bool) {
        self.backupMark = nil
        self.syncing = true
        if fullCopy {
            self.storeID = UInt64.random(in: 1...UInt64.max)
        }
    }

    mutating func commitSync(_ mark: SyncMark) {
        self.backupMark = mark
        self.syncing = false
    }

    /// Numbers the next change. A write outside a sync also clears the backup mark.
    private mutating func nextSequence() -> UInt64 {
        if !self.syncing {
            self.backupMark = nil
        }
        self.lastSequence += 1
        return self.lastSequence
    }

    /// Deletes after `sequence`, oldest first.
    func deletes(after sequence: UInt64) -> CircularBuffer<Delete>.SubSequence {
        self.deletes[self.deletes.partitionPoint { $0.sequence > sequence }...]
    }
}
