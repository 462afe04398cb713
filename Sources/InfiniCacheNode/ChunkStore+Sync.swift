public import NIOCore
import Synchronization

extension ChunkStore {
    /// One change of a store, as a delta replays it on a backup.
    public enum Change: Sendable {
        /// A chunk stored (or replaced) at an address.
        case put(Address, Chunk)
        /// Every chunk of a key with a version (every version when it is 0) deleted.
        case delete(key: ByteBuffer, version: UInt32)
    }

    /// What a backup needs to catch up with this store, or with part of the way.
    public struct Delta: Sendable {
        /// The mark the backup holds once it applied ``changes``.
        public var head: SyncMark
        /// The changes replace everything the backup held, because it mirrored another
        /// store, nothing yet, is further behind than the retained deletes reach, or
        /// claims a change this store has not made.
        public var isFullCopy: Bool
        /// In the order they happened.
        public var changes: [Change]
        /// More changes follow ``head``: ask again from it.
        public var isPartial: Bool
    }

    /// Tells this store's changes from any other's in a ``SyncMark``. It changes when the
    /// store is replaced by a full copy.
    public var storeID: UInt64 {
        self.state.withLock { $0.journal.storeID }
    }

    /// The changes since `mark` (which a backup reported): the chunks still held that were
    /// last stored after its ``SyncMark/sequence``, and the deletes made after its
    /// ``SyncMark/deletesThrough``, in the order they happened; or every chunk held when the
    /// mark cannot be caught up (it is of another store, older than the deletes this store
    /// remembers, or ahead of its latest change). A delta carries chunks of at most
    /// `byteBudget` payload bytes (at least one chunk), so a relay never holds more than
    /// that; ``Delta/isPartial`` says when more follow. A page costs time in proportion to
    /// its own changes, not to the size of the store.
    public func delta(since mark: SyncMark?, byteBudget: Int = 16 << 20) -> Delta {
        self.state.withLock { state in
            let journal = state.journal
            let isFullCopy = mark.map { $0.storeID != journal.storeID || $0.deletesThrough < journal.forgottenThrough || $0.deletesThrough > journal.lastSequence } ?? true
            // A full copy holds no deletes: it copies the store as every delete left it.
            let since = isFullCopy ? SyncMark(storeID: journal.storeID, sequence: 0, deletesThrough: journal.lastSequence) : mark!
            let puts = state.putLog.entries(after: since.sequence)
            let deletes = journal.deletes(after: since.deletesThrough)
            var nextPut = puts.startIndex
            var nextDelete = deletes.startIndex
            var changes: [Change] = []
            var bytes = 0
            var head = since
            // Merge the two in sequence order, skipping stale puts, until a chunk would
            // overrun the budget.
            while true {
                while nextPut < puts.endIndex, !puts[nextPut].isLive(in: state.chunks) {
                    puts.formIndex(after: &nextPut)
                }
                let put = nextPut < puts.endIndex ? puts[nextPut] : nil
                let delete = nextDelete < deletes.endIndex ? deletes[nextDelete] : nil
                guard let next = Self.earlier(put, delete) else {
                    break
                }
                switch next {
                case .put(let entry):
                    let chunk = state.chunks[entry.address]!.chunk
                    guard changes.isEmpty || bytes + chunk.payload.readableBytes <= byteBudget else {
                        return Delta(head: head, isFullCopy: isFullCopy, changes: changes, isPartial: true)
                    }
                    bytes += chunk.payload.readableBytes
                    changes.append(.put(entry.address, chunk))
                    head.reach(entry.sequence)
                    puts.formIndex(after: &nextPut)
                case .delete(let delete):
                    changes.append(.delete(key: delete.key, version: delete.version))
                    head.reach(delete.sequence)
                    deletes.formIndex(after: &nextDelete)
                }
            }
            return Delta(head: SyncMark(storeID: journal.storeID, sequence: journal.lastSequence), isFullCopy: isFullCopy, changes: changes, isPartial: false)
        }
    }

    private enum NextChange {
        case put(PutLog.Entry)
        case delete(ChangeJournal.Delete)
    }

    /// The earlier of the next put and the next delete, if any.
    private static func earlier(_ put: PutLog.Entry?, _ delete: ChangeJournal.Delete?) -> NextChange? {
        switch (put, delete) {
        case (let put?, let delete?): put.sequence < delete.sequence ? .put(put) : .delete(delete)
        case (let put?, nil): .put(put)
        case (nil, let delete?): .delete(delete)
        case (nil, nil): nil
        }
    }

    /// The mark of the last sync this store completed as a backup; nil if none, or if the
    /// store was written outside a sync since.
    public var backupMark: SyncMark? {
        self.state.withLock { $0.journal.backupMark }
    }

    /// Starts applying a delta: a full copy first drops every chunk (and takes a new store
    /// id). Until ``commitSync(_:)`` the store has no mark, so an interrupted sync is
    /// redone in full.
    public func beginSync(fullCopy: Bool) {
        if fullCopy {
            self.removeAll()
        }
        self.state.withLock { $0.journal.beginSync(fullCopy: fullCopy) }
    }

    /// Completes a sync: the store now mirrors the primary up to `mark`.
    public func commitSync(_ mark: SyncMark) {
        self.state.withLock { $0.journal.commitSync(mark) }
    }
}
