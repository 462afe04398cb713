import ChunkTransport
import ChunkWire
import NIOCore

extension InfiniCacheProxy {
    /// First-d read, answered inline (see ``FirstDRead``): asks every node of every stripe
    /// at once, forwards each chunk as it arrives, and once a stripe has k chunks
    /// forwarded cancels its stragglers. A stripe that can no longer reach k makes the
    /// object lost: it is removed, and the reader gets an `objectLost` error.
    func startGet(_ request: Frame, replies: ReplySink) {
        guard let record = self.state.beginRead(request.key) else {
            replies.post(request.response(.notFound))
            return
        }
        replies.post(record.infoFrame(), final: false)
        let read = FirstDRead(record: record, replies: replies) { outcome in
            var lost = false
            if case .lost(let stripe) = outcome {
                lost = true
                replies.post(ErrorMessage(.objectLost, "stripe \(stripe) of the object has fewer than \(record.k) reachable chunks").frame(requestID: 0))
            }
            // A reader that went away says nothing about the object.
            self.sendLater(self.state.endRead(record, lost: lost))
        }
        read.start(transports: self.state.transport(of:))
    }
}
