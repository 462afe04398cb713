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
        /// store, nothing yet, or is further behind than the retained deletes reach.
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

    /// The changes since `mark` (which a backup reported): only chunks stored and deletes
    /// made after it, or every chunk held when the mark cannot be caught up. A delta
    /// carries chunks of at most `byteBudget` payload bytes (at least one chunk), so a
    /// relay never holds more than that; ``Delta/isPartial`` says when more follow.
    public func delta(since mark: SyncMark?, byteBudget: Int = 16 << 20) -> Delta {
        self.state.withLock { state in
            let journal = state.journal
            let isFullCopy = mark.map { $0.storeID != journal.storeID || $0.sequence < journal.forgottenThrough || $0.sequence > journal.lastSequence } ?? true
            let since = isFullCopy ? 0 : mark!.sequence
            var sequenced: [(sequence: UInt64, change: Change)] = state.chunks.compactMap { address, entry in
                entry.sequence > since ? (entry.sequence, .put(address, entry.chunk)) : nil
            }
            if !isFullCopy {
                sequenced += journal.deletes(after: since).map { ($0.sequence, .delete(key: $0.key, version: $0.version)) }
            }
            sequenced.sort { $0.sequence < $1.sequence }
            var bytes = 0
            var taken = 0
            for (_, change) in sequenced {
                if case .put(_, let chunk) = change {
                    guard taken == 0 || bytes + chunk.payload.readableBytes <= byteBudget else { break }
                    bytes += chunk.payload.readableBytes
                }
                taken += 1
            }
            let isPartial = taken < sequenced.count
            let head = SyncMark(storeID: journal.storeID, sequence: isPartial ? sequenced[taken - 1].sequence : journal.lastSequence)
            return Delta(head: head, isFullCopy: isFullCopy, changes: sequenced.prefix(taken).map(\.change), isPartial: isPartial)
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
