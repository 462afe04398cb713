import ChunkTransport
import ChunkWire
import NIOCore

extension InfiniCacheProxy {
    /// The most keys one `keyList` answer holds, whatever a `scan` asks for.
    static let maximumScanCount = 1000

    /// Removes up to `limit` objects whose expiry time has passed, soonest first, and
    /// deletes their chunks; returns how many it removed. Uploads past their deadline are
    /// dropped too. ``ProxyServer`` calls it every 100 ms; an expired object reads as
    /// missing whether or not it has been swept.
    @discardableResult
    public func sweepExpiredObjects(limit: Int = 1000) -> Int {
        let (now, instant) = (self.wallClock(), ContinuousClock.now)
        let (expired, abandoned) = self.withState { state in
            (state.sweepExpired(now: now, limit: limit), state.expireUploads(now: instant))
        }
        self.sendLater(expired + abandoned)
        return Set(expired.map(\.version)).count
    }

    func respondToExpire(_ request: Frame, replies: ReplySink) {
        var payload = request.payload
        guard let expiry = try? ObjectExpiry(from: &payload), expiry != .keep else {
            replies.post(ErrorMessage(.badRequest, "expire needs an expiry other than keep as its payload").frame(requestID: 0))
            return
        }
        let now = self.wallClock()
        let (record, deletions) = self.withState { $0.setExpiry(of: request.key, to: expiry.time(now: now, current: nil), now: now) }
        self.sendLater(deletions)
        switch record {
        case nil:
            replies.post(request.response(.notFound))
        case let record? where record.expiresAt.map({ $0 <= now }) ?? false:
            replies.post(request.response(.deleted))
        case let record?:
            replies.post(record.infoFrame(now: now))
        }
    }

    func respondToScan(_ request: Frame, replies: ReplySink) {
        var payload = request.payload
        guard let cursor = payload.readInteger(endianness: .little, as: UInt64.self),
            let count = payload.readInteger(endianness: .little, as: UInt32.self)
        else {
            replies.post(ErrorMessage(.badRequest, "scan needs a cursor and a count as its payload").frame(requestID: 0))
            return
        }
        let now = self.wallClock()
        let page = self.withState { $0.scan(from: Int(clamping: cursor), count: min(Int(count), Self.maximumScanCount), now: now) }
        var list = ByteBuffer()
        list.writeInteger(UInt64(page.next), endianness: .little)
        list.writeInteger(UInt32(page.keys.count), endianness: .little)
        for key in page.keys {
            list.writeInteger(UInt16(key.readableBytes), endianness: .little)
            list.writeImmutableBuffer(key)
        }
        replies.post(Frame(.keyList, payload: list))
    }
}
