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
    static func sync(from primary: any NodeTransport, to backup: any NodeTransport) async throws -> Int {
        let status = try SyncMessage(from: try await backup.request(Frame(.syncStatus, payloadChecksum: 0)).expecting(.syncMark))
        var since = SyncMessage(storeID: status.storeID, sequence: status.sequence)
        var bytes = 0
        while true {
            let (page, reached) = try await self.relayPage(since: since, from: primary, to: backup)
            bytes += page
            guard reached.hasMore else { return bytes }
            since = SyncMessage(storeID: reached.storeID, sequence: reached.sequence)
        }
    }

    /// Relays one page of changes; returns its chunk bytes and the mark it reached.
    private static func relayPage(since: SyncMessage, from primary: any NodeTransport, to backup: any NodeTransport) async throws -> (Int, SyncMessage) {
        var bytes = 0
        var head: SyncMessage?
        for try await change in primary.send(since.frame(.syncDelta)) {
            switch change.opcode {
            case .syncMark:
                let mark = try SyncMessage(from: change)
                try await backup.request(mark.frame(head == nil ? .syncBegin : .syncCommit)).expecting(.stored)
                head = mark
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
        guard let head else {
            throw ErrorMessage(.protocolViolation, "the primary ended its delta without a mark")
        }
        return (bytes, head)
    }
}

extension Frame {
    /// This frame, if its opcode is `opcode`; else the error it carries or a protocol error.
    @discardableResult
    func expecting(_ opcode: Opcode) throws -> Frame {
        guard self.opcode != opcode else { return self }
        if self.opcode == .error, let message = try? ErrorMessage(from: self) {
            throw message
        }
        throw ErrorMessage(.protocolViolation, "expected \(opcode), got \(self.opcode)")
    }
}
