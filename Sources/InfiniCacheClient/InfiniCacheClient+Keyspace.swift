public import ChunkWire
public import NIOCore

/// How long an object has left to live, by the proxy's clock.
public enum TimeToLive: Hashable, Sendable {
    /// The object does not expire.
    case forever
    /// The object expires after this many milliseconds.
    case milliseconds(Int64)
}

/// What the proxy knows of a cached object without reading it.
public struct ObjectMetadata: Hashable, Sendable {
    /// The object's length in bytes.
    public var length: Int
    /// How long it has left to live.
    public var timeToLive: TimeToLive
}

/// One page of a scan of the keys cached: ``InfiniCacheClient/scan(from:count:)``.
public struct KeyPage: Hashable, Sendable {
    /// The cursor to pass to the next call; 0 once the scan is complete.
    public var cursor: UInt64
    /// The keys of this page, as bytes.
    public var keys: [ByteBuffer]
}

extension InfiniCacheClient {
    /// Sets or removes (with `.never`) the expiry of `key`; returns whether it is cached.
    /// An expiry that has already passed removes the object at once.
    ///
    /// - Throws: ``InfiniCacheError``: `rejected` for `.keep` or a key outside the
    ///   limits, `timedOut`, `proxyUnreachable`.
    @discardableResult
    public func expire(_ key: ByteBuffer, _ expiry: ObjectExpiry) async throws -> Bool {
        guard expiry != .keep else {
            throw InfiniCacheError(.rejected, "an expiry of .keep applies to a put only")
        }
        let key = try self.checkedKey(key)
        var payload = ByteBuffer()
        expiry.write(to: &payload)
        let request = Frame(.expire, key: key, payload: payload)
        let answer = try await self.withTimeout("expire") {
            try await self.exchange(request, proxy: self.proxy(for: key))
        }
        return answer.opcode != .notFound
    }

    /// Sets or removes the expiry of `key`, as ``expire(_:_:)-(ByteBuffer,_)``.
    @discardableResult
    public func expire(_ key: String, _ expiry: ObjectExpiry) async throws -> Bool {
        try await self.expire(ByteBuffer(string: key), expiry)
    }

    /// How long `key` has left to live; nil if it is not cached.
    ///
    /// - Throws: as ``metadata(_:)``.
    public func ttl(_ key: ByteBuffer) async throws -> TimeToLive? {
        try await self.metadata(key)?.timeToLive
    }

    /// The length and time to live of the object cached under `key`; nil if it is not
    /// cached. One round trip to the proxy; no node is asked.
    ///
    /// - Throws: ``InfiniCacheError``: `rejected` for a key outside the limits,
    ///   `protocolError` for an answer without the time, `timedOut`, `proxyUnreachable`.
    public func metadata(_ key: ByteBuffer) async throws -> ObjectMetadata? {
        let key = try self.checkedKey(key)
        let answer = try await self.withTimeout("metadata") {
            try await self.exchange(Frame(.statObject, key: key), proxy: self.proxy(for: key))
        }
        guard answer.opcode == .objectInfo else {
            return nil
        }
        guard let milliseconds = answer.payload.getInteger(at: answer.payload.readerIndex + 4, endianness: .little, as: Int64.self),
            let length = Int(exactly: answer.objectLength)
        else {
            throw InfiniCacheError(.protocolError, "objectInfo without the object's time to live")
        }
        return ObjectMetadata(length: length, timeToLive: milliseconds < 0 ? .forever : .milliseconds(milliseconds))
    }

    /// How long `key` has left to live, as ``ttl(_:)-(ByteBuffer)``.
    public func ttl(_ key: String) async throws -> TimeToLive? {
        try await self.ttl(ByteBuffer(string: key))
    }

    /// Up to `count` (at most 1,000) keys cached on proxy `index`, from `cursor` (0 to
    /// start). A key cached for the whole scan is listed exactly once; a page may hold
    /// fewer keys than asked for, even none, before the scan is complete.
    ///
    /// - Throws: ``InfiniCacheError``: `protocolError` for a malformed page, `timedOut`,
    ///   `proxyUnreachable`.
    public func scan(from cursor: UInt64, count: Int = 10, ofProxy index: Int = 0) async throws -> KeyPage {
        var payload = ByteBuffer()
        payload.writeInteger(cursor, endianness: .little)
        payload.writeInteger(UInt32(clamping: max(count, 1)), endianness: .little)
        let request = Frame(.scan, payload: payload)
        let answer = try await self.withTimeout("scan") {
            try await self.exchange(request, proxy: index)
        }
        var list = answer.payload
        guard answer.opcode == .keyList, let (next, keyCount) = list.readMultipleIntegers(endianness: .little, as: (UInt64, UInt32).self) else {
            throw InfiniCacheError(.protocolError, "scan was answered with \(answer.opcode)")
        }
        var keys: [ByteBuffer] = []
        for _ in 0..<keyCount {
            guard let length = list.readInteger(endianness: .little, as: UInt16.self), let key = list.readSlice(length: Int(length)) else {
                throw InfiniCacheError(.protocolError, "a key list shorter than its count")
            }
            keys.append(key)
        }
        return KeyPage(cursor: next, keys: keys)
    }

    /// Removes every object from every proxy.
    ///
    /// - Throws: ``InfiniCacheError``: `timedOut`, `proxyUnreachable`.
    public func flush() async throws {
        for index in 0..<self.proxyCount {
            _ = try await self.withTimeout("flush") {
                try await self.exchange(Frame(.flush), proxy: index)
            }
        }
    }
}

extension Duration {
    /// The duration in whole milliseconds, rounded down (clamped to `Int64`).
    var milliseconds: Int64 {
        let (seconds, attoseconds) = self.components
        let (scaled, overflow) = seconds.multipliedReportingOverflow(by: 1000)
        let (total, overflowAgain) = scaled.addingReportingOverflow(attoseconds / 1_000_000_000_000_000)
        return overflow || overflowAgain ? (seconds < 0 ? .min : .max) : total
    }
}
