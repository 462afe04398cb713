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

    /// What a backup needs to catch up with this store.
    public struct Delta: Sendable {
        /// The mark the backup holds once it applied ``changes``.
        public var head: SyncMark
        /// The changes replace everything the backup held, because it mirrored another
        /// store, nothing yet, or is further behind than the retained deletes reach.
        public var isFullCopy: Bool
        /// In the order they happened.
        public var changes: [Change]
    }

    /// The changes since `mark` (which a backup reported): only chunks stored and deletes
    /// made after it, or every chunk held when the mark cannot be caught up.
    public func delta(since mark: SyncMark?) -> Delta {
        self.state.withLock { state in
            let head = SyncMark(storeID: self.storeID, sequence: state.journal.lastSequence)
            let isFullCopy = mark == nil || mark?.storeID != self.storeID || mark!.sequence < state.journal.forgottenThrough
                || mark!.sequence > state.journal.lastSequence
            let since = isFullCopy ? 0 : mark!.sequence
            var sequenced: [(sequence: UInt64, change: Change)] = state.chunks.compactMap { address, entry in
                entry.sequence > since ? (entry.sequence, .put(address, entry.chunk)) : nil
            }
            if !isFullCopy {
                sequenced += state.journal.deletes(after: since).map { ($0.sequence, .delete(key: $0.key, version: $0.version)) }
            }
            sequenced.sort { $0.sequence < $1.sequence }
            return Delta(head: head, isFullCopy: isFullCopy, changes: sequenced.map(\.change))
        }
    }

    /// The mark of the last sync this store completed as a backup; nil if none.
    public var backupMark: SyncMark? {
        self.state.withLock { $0.journal.backupMark }
    }

    /// Starts applying a delta: a full copy first drops every chunk. Until
    /// ``commitSync(_:)`` the store has no mark, so an interrupted sync is redone in full.
    public func beginSync(fullCopy: Bool) {
        if fullCopy {
            self.removeAll()
        }
        self.state.withLock { $0.journal.backupMark = nil }
    }

    /// Completes a sync: the store now mirrors the primary up to `mark`.
    public func commitSync(_ mark: SyncMark) {
        self.state.withLock { $0.journal.backupMark = mark }
    }
}
