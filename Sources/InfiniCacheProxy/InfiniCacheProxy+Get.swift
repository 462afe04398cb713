import ChunkTransport
import ChunkWire
import ErasureCoding
public import NIOCore

extension InfiniCacheProxy {
    /// A read: from the small-object tier when it holds the committed version (one final
    /// `chunkData`, no node asked); otherwise first-d (see ``FirstDRead``): asks every
    /// node of every stripe at once — one replica at a time, hedged, for a replicated
    /// object — forwards each chunk as it arrives, and once a stripe has k chunks forwarded
    /// cancels its stragglers. A stripe that can no longer reach k makes the object
    /// lost: it is removed, and the reader gets an `objectLost` error.
    ///
    /// A request naming an object version reads that version only (a reader that found
    /// chunks corrupt on the way reads the same version again); if the key now holds
    /// another, it is not found. A request whose payload names a byte range (offset and
    /// length, 8 bytes each) reads only the stripes that hold it.
    func startGet(_ request: Frame, replies: ReplySink) {
        var payload = request.payload
        var byteRange: Range<Int>?
        if payload.readableBytes > 0 {
            guard let (offset, length) = payload.readMultipleIntegers(endianness: .little, as: (UInt64, UInt64).self),
                let lower = Int(exactly: offset), let count = Int(exactly: length), lower <= Self.maximumObjectLength, count <= Self.maximumObjectLength
            else {
                replies.post(ErrorMessage(.badRequest, "a getObject payload is a byte offset and a length, 8 bytes each").frame(requestID: 0))
                return
            }
            byteRange = lower..<(lower + count)
        }
        let now = self.wallClock()
        let found = self.withState(expiring: request.key, now: now) { state -> Found? in
            if let (record, entry) = state.readFromTier(request.key, version: request.objectVersion) {
                return .inTier(record, entry)
            }
            guard let record = state.beginRead(request.key, version: request.objectVersion) else { return nil }
            var transports: [NodeID: any FrameTransport] = [:]
            for node in record.placement.joined() where transports[node] == nil {
                transports[node] = state.transport(of: node)
            }
            return .onNodes(record, transports)
        }
        guard let found else {
            replies.post(request.response(.notFound))
            return
        }
        let record = found.record
        replies.post(record.infoFrame(now: now), final: false)
        let transports: [NodeID: any FrameTransport]
        switch found {
        case .inTier(_, let entry):
            // The whole object is its one stripe's one chunk: replica 0 of stripe 0.
            replies.post(Frame(
                .chunkData, k: UInt8(record.k), r: UInt8(record.r), objectLength: UInt64(record.objectLength), objectVersion: record.version,
                payload: entry.bytes, payloadChecksum: entry.checksum
            ))
            return
        case .onNodes(_, let ways):
            transports = ways
        }
        let stripes = byteRange.map { record.layout.stripes(covering: $0) } ?? 0..<record.placement.count
        let read = FirstDRead(record: record, stripes: stripes, replies: replies, hedgeDelay: self.hedgeDelay) { outcome in
            var lost = false
            if case .lost(let stripe) = outcome {
                lost = true
                replies.post(ErrorMessage(.objectLost, "stripe \(stripe) of the object has fewer than \(record.k) reachable chunks").frame(requestID: 0))
            }
            // A reader that went away says nothing about the object.
            self.sendLater(self.withState { $0.endRead(record, lost: lost) })
        }
        read.start(transports: transports)
    }

    /// What a read of a key finds with no node asked: see ``lookUpInTier(_:)``.
    public enum TierLookup: Sendable, Hashable {
        /// The committed version's bytes, held in the small-object tier.
        case found(ByteBuffer)
        /// The key is not cached (or has just expired).
        case missing
        /// The key is cached, but not in the tier: read it from the nodes, as usual.
        case notInTier
    }

    /// A read of `key` answered on the caller's thread, with no frame and no node, when it
    /// can be: the bytes of its committed version if the small-object tier holds them (a
    /// hit), or ``TierLookup/missing`` if it is not cached (a miss), each counted as a
    /// `get` request. The Redis endpoint in the proxy's process serves `GET` this way, on
    /// its connection's event loop. ``TierLookup/notInTier`` counts nothing: the caller
    /// reads as usual.
    public func lookUpInTier(_ key: ByteBuffer) -> TierLookup {
        let started = ContinuousClock.now
        let lookup = self.withState(expiring: key, now: self.wallClock()) { $0.lookUpInTier(key) }
        switch lookup {
        case .found(let bytes):
            self.metrics.answered(.getObject, with: .chunkData, bytesSent: bytes.readableBytes, since: started)
        case .missing:
            self.metrics.answered(.getObject, with: .notFound, bytesSent: 0, since: started)
        case .notInTier:
            break
        }
        return lookup
    }

    /// Where a read finds the object it asks for.
    private enum Found {
        /// In the small-object tier: answered at once.
        case inTier(ObjectRecord, SmallObjectTier.Entry)
        /// On its nodes, reached through these transports (a read begun: end it).
        case onNodes(ObjectRecord, [NodeID: any FrameTransport])

        var record: ObjectRecord {
            switch self {
            case .inTier(let record, _), .onNodes(let record, _): record
            }
        }
    }
}
