public import ChunkWire
import ErasureCoding
public import NIOCore

extension InfiniCacheClient {
    /// Starts a write of an object of `length` bytes under `key`, whose bytes are then
    /// given in parts with ``ObjectUpload/write(_:)`` as they arrive (from a socket, say):
    /// each stripe is coded and sent as soon as its bytes are in, so the client holds at
    /// most two stripes of the object, not all of it. Readers see the old object until
    /// ``ObjectUpload/finish()`` returns.
    ///
    /// - Throws: ``InfiniCacheError``: `rejected` for a key or length outside the limits,
    ///   and the errors of ``put(_:_:expiry:)-(ByteBuffer,_,_)``'s announcement.
    public func beginUpload(_ key: ByteBuffer, length: Int, expiry: ObjectExpiry = .never) async throws -> ObjectUpload {
        let key = try self.checkedKey(key)
        let layout = try self.layout(forObjectLength: length)
        let codec = try self.codec(k: layout.dataChunkCount, r: layout.parityChunkCount)
        let proxy = self.proxy(for: key)
        let version = try await self.withTimeout("put") {
            try await self.announce(key: key, layout: layout, expiry: expiry, proxy: proxy)
        }
        return ObjectUpload(client: self, key: key, layout: layout, codec: codec, version: version, proxy: proxy)
    }
}

/// A write of an object whose bytes arrive in parts: ``InfiniCacheClient/beginUpload(_:length:expiry:)``.
/// Use it from one task. An upload abandoned before ``finish()`` is dropped by the proxy
/// after its upload timeout; readers never see it.
public final class ObjectUpload {
    private let client: InfiniCacheClient
    private let key: ByteBuffer
    private let layout: StripeLayout
    private let codec: ReedSolomonCodec
    private let version: UInt32
    private let proxy: Int
    /// The next stripe to fill, and its bytes so far.
    private var stripe = 0
    private var pending = ByteBuffer()
    private var received = 0
    /// The previous stripe's chunks on their way: awaited before the next stripe goes.
    private var sending: Task<Void, any Error>?

    init(client: InfiniCacheClient, key: ByteBuffer, layout: StripeLayout, codec: ReedSolomonCodec, version: UInt32, proxy: Int) {
        self.client = client
        self.key = key
        self.layout = layout
        self.codec = codec
        self.version = version
        self.proxy = proxy
        self.pending.reserveCapacity(layout.stripe(0).length)
    }

    deinit {
        self.sending?.cancel()
    }

    /// Takes the next bytes of the object; returns once every stripe they complete has
    /// been coded and the one before it stored.
    ///
    /// - Throws: ``InfiniCacheError``: `rejected` for bytes beyond the announced length,
    ///   and any failure to store a stripe's chunks.
    public func write(_ bytes: ByteBuffer) async throws {
        guard self.received + bytes.readableBytes <= self.layout.objectLength else {
            throw InfiniCacheError(.rejected, "more than the announced \(self.layout.objectLength) bytes")
        }
        self.received += bytes.readableBytes
        var bytes = bytes
        while bytes.readableBytes > 0, self.stripe < self.layout.stripeCount {
            let wanted = self.layout.stripe(self.stripe).length - self.pending.readableBytes
            var part = bytes.readSlice(length: min(wanted, bytes.readableBytes))!
            self.pending.writeBuffer(&part)
            if self.pending.readableBytes == self.layout.stripe(self.stripe).length {
                try await self.send()
            }
        }
    }

    /// Sends the last stripe (for an empty object, its only one) and returns once every
    /// chunk is stored: the object is then what readers see.
    ///
    /// - Throws: ``InfiniCacheError``: `rejected` if fewer bytes than announced were
    ///   written, and any failure to store a stripe's chunks.
    public func finish() async throws {
        guard self.received == self.layout.objectLength else {
            throw InfiniCacheError(.rejected, "\(self.received) of the announced \(self.layout.objectLength) bytes were written")
        }
        if self.stripe < self.layout.stripeCount {
            try await self.send()
        }
        try await self.sending?.value
        self.sending = nil
    }

    /// Codes the stripe in `pending` and sends its chunks once the previous stripe's are stored.
    private func send() async throws {
        // A stripe coded on its own has the chunks it has as part of the object: the same
        // length, so the same chunk length and parity.
        let chunks = try self.codec.encode(self.pending, maxChunkLength: self.layout.maxChunkLength).stripes[0].chunks
        let frames = self.client.chunkFrames(of: chunks, stripe: self.stripe, key: self.key, layout: self.layout, version: self.version)
        try await self.sending?.value
        let (client, proxy) = (self.client, self.proxy)
        self.sending = Task {
            try await client.withTimeout("put") {
                try await client.store(frames, proxy: proxy)
            }
        }
        self.stripe += 1
        self.pending = ByteBuffer()
        if self.stripe < self.layout.stripeCount {
            self.pending.reserveCapacity(self.layout.stripe(self.stripe).length)
        }
    }
}
