import ChunkTransport
import ChunkWire
import NIOCore

/// The proxy's relay for delta sync: asks the backup instance how far it mirrors the
/// primary, streams the primary's changes since then and replays each on the backup, then
/// commits the primary's head mark on the backup. Only the changes cross the relay; a
/// backup that mirrors nothing (or another store) gets a full copy.
enum SyncRelay {
    /// Syncs `backup` to `primary` and returns the chunk payload bytes relayed. The
    /// primary sends its changes a page at a time (see `ChunkStore.delta`), each committed
    /// on the backup before the next is asked for, so the relay holds one page at most.
    ///
    /// - Throws: the transports' errors, or an ``ErrorMessage`` if an instance answers
    ///   with an error or out of protocol. The backup then keeps the mark of the last page
    ///   it committed, or none if a page was under way (so the next sync is a full copy).
    static func sync(from primary: any FrameTransport, to backup: any FrameTransport) async throws -> Int {
        let status = try SyncMessage(from: try await backup.request(Frame(.syncStatus, payloadChecksum: 0)).expecting(.syncMark))
        var since = SyncMessage(storeID: status.storeID, sequence: status.sequence, deletesThrough: status.deletesThrough)
        var bytes = 0
        for _ in 0..<Self.maximumPages {
            try Task.checkCancellation()
            let (page, reached) = try await self.relayPage(since: since, from: primary, to: backup)
            bytes += page
            guard reached.hasMore else { return bytes }
            // A page that does not move the mark forward would repeat for ever. A full copy
            // starts over from the first chunk, so its first page may end below the mark
            // it replaced; `maximumPages` bounds a copy that keeps starting over.
            guard reached.isFullCopy || reached.storeID != since.storeID || reached.sequence > since.sequence else {
                throw ErrorMessage(.protocolViolation, "a delta page made no progress from change \(since.sequence)")
            }
            since = SyncMessage(storeID: reached.storeID, sequence: reached.sequence, deletesThrough: reached.deletesThrough)
        }
        throw ErrorMessage(.unavailable, "the primary changed faster than \(Self.maximumPages) pages could catch up with")
    }

    /// Pages one sync may take (16 GiB at the nodes' 16 MiB pages) before it gives up on a
    /// primary that is written faster than the relay copies.
    static let maximumPages = 1024

    /// Relays one page of changes; returns its chunk bytes and the mark it reached.
    private static func relayPage(since: SyncMessage, from primary: any FrameTransport, to backup: any FrameTransport) async throws -> (Int, SyncMessage) {
        var bytes = 0
        var head: SyncMessage?
        var committed: SyncMessage?
        for try await change in primary.send(since.frame(.syncDelta)) {
            switch change.opcode {
            case .syncMark:
                let mark = try SyncMessage(from: change)
                try await backup.request(mark.frame(head == nil ? .syncBegin : .syncCommit)).expecting(.stored)
                if head == nil { head = mark } else { committed = mark }
            case .chunkData:
                var put = change
                put.opcode = .putChunk
                put.flags = []
                try await backup.request(put).expecting(.stored)
                bytes += change.payload.readableBytes
            case .deleted:
                try await backup.request(Frame(.delete, key: change.key, objectVersion: change.objectVersion, payloadChecksum: 0)).expecting(.deleted)
            default:
                try change.expecting(.syncMark)
            }
        }
        // A stream cut short (a cancelled sync) ends without the closing mark.
        guard let committed else {
            throw ErrorMessage(.unavailable, "the primary's delta ended before its closing mark")
        }
        return (bytes, committed)
    }
}
