import ChunkTransport
import ChunkWire
import NIOCore

/// The proxy's relay for delta sync: asks the backup instance how far it mirrors the
/// primary, streams the primary's changes since then and replays each on the backup, then
/// commits the primary's head mark on the backup. Only the changes cross the relay; a
/// backup that mirrors nothing (or another store) gets a full copy.
enum SyncRelay {
    /// Syncs `backup` to `primary` and returns the chunk payload bytes relayed.
    ///
    /// - Throws: the transports' errors, or an ``ErrorMessage`` if an instance answers
    ///   with an error or out of protocol. The backup then keeps no mark, so the next sync
    ///   is a full copy.
    static func sync(from primary: any NodeTransport, to backup: any NodeTransport) async throws -> Int {
        let status = try SyncMessage(from: try await backup.request(Frame(.syncStatus, payloadChecksum: 0)).expecting(.syncMark))
        let since = SyncMessage(storeID: status.storeID, sequence: status.sequence)
        var bytes = 0
        var begun = false
        for try await change in primary.send(since.frame(.syncDelta)) {
            switch change.opcode {
            case .syncMark:
                let mark = try SyncMessage(from: change)
                try await backup.request(mark.frame(begun ? .syncCommit : .syncBegin)).expecting(.stored)
                begun = true
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
        return bytes
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
