import ChunkTransport
import ChunkWire
import NIOCore

/// Delta sync between a primary instance and a backup instance of one function, through
/// the proxy's relay: the proxy asks the backup for its mark (`syncStatus`), the primary
/// for the changes since it (`syncDelta`), and replays them on the backup between
/// `syncBegin` and `syncCommit`.
extension CacheNode {
    func answerSync(_ request: Frame) -> Frame {
        switch request.opcode {
        case .syncStatus:
            let mark = self.store.backupMark
            var answer = SyncMessage(storeID: mark?.storeID ?? 0, sequence: mark?.sequence ?? 0, deletesThrough: mark?.deletesThrough, chunkCount: UInt64(self.store.chunkCount)).frame(.syncMark)
            answer.requestID = request.requestID
            return answer
        case .syncBegin, .syncCommit:
            let message: SyncMessage
            do {
                message = try SyncMessage(from: request)
            } catch {
                return ErrorMessage(.badRequest, error.message).frame(requestID: request.requestID)
            }
            if request.opcode == .syncBegin {
                self.store.beginSync(fullCopy: message.isFullCopy)
            } else {
                self.store.commitSync(SyncMark(storeID: message.storeID, sequence: message.sequence, deletesThrough: message.deletesThrough))
            }
            return request.response(.stored)
        default:
            return ErrorMessage(.badRequest, "\(request.opcode) is not a sync request").frame(requestID: request.requestID)
        }
    }

    /// Streams the changes since the backup's mark in the request — at most a page of
    /// them (see ``ChunkStore/delta(since:byteBudget:)``): a head mark, the changes in
    /// order, and the head mark again as the final response.
    func sendDelta(for request: Frame, replies: ReplySink) async throws {
        let since: SyncMessage
        do {
            since = try SyncMessage(from: request)
        } catch {
            throw ErrorMessage(.badRequest, error.message)
        }
        let mark = SyncMark(storeID: since.storeID, sequence: since.sequence, deletesThrough: since.deletesThrough)
        let delta = self.store.delta(since: since.storeID == 0 ? nil : mark, byteBudget: self.syncPageBytes)
        let head = SyncMessage(
            storeID: delta.head.storeID,
            sequence: delta.head.sequence,
            deletesThrough: delta.head.deletesThrough,
            chunkCount: UInt64(self.store.chunkCount),
            isFullCopy: delta.isFullCopy,
            hasMore: delta.isPartial
        )
        try await replies.send(head.frame(.syncMark), final: false)
        for change in delta.changes {
            switch change {
            case .put(let address, let chunk):
                let frame = Frame(
                    .chunkData,
                    key: address.key,
                    stripeIndex: address.stripe,
                    chunkIndex: address.chunk,
                    k: chunk.k,
                    r: chunk.r,
                    objectLength: chunk.objectLength,
                    objectVersion: address.version,
                    payload: chunk.payload,
                    payloadChecksum: chunk.checksum
                )
                try await replies.send(frame, final: false)
            case .delete(let key, let version):
                try await replies.send(Frame(.deleted, key: key, objectVersion: version, payloadChecksum: 0), final: false)
            }
        }
        try await replies.send(head.frame(.syncMark))
    }
}
