public import ChunkTransport
import ChunkTransportTCP
public import ChunkWire
import ErasureCoding
import Foundation
public import InfiniCacheStatistics
public import NIOCore
import Synchronization

/// The application's handle on the cache: puts, gets, streams and deletes objects through
/// one or more proxies. Objects are erasure-coded here, in the client, as in the paper;
/// keys map to proxies by consistent hashing. `Sendable`: share one client between tasks.
public final class InfiniCacheClient: Sendable {
    let configuration: ClientConfiguration
    private let proxies: [[any FrameTransport]]
    private let ring: HashRing
    private let codecs = Mutex<[Int: ReedSolomonCodec]>([:])
    private let rotation = Mutex(0)
    private let deadlines: OperationDeadlines

    /// Creates a client over already open proxy connections: `proxies[i]` are the
    /// connections to proxy `i` (for example in-process transports, in tests).
    public init(proxies: [[any FrameTransport]], configuration: ClientConfiguration = ClientConfiguration()) throws {
        guard !proxies.isEmpty, proxies.allSatisfy({ !$0.isEmpty }) else {
            throw InfiniCacheError(.proxyUnreachable, "a client needs at least one connection to each of at least one proxy")
        }
        do {
            _ = try StripeLayout(objectLength: 0, dataChunkCount: configuration.dataChunkCount, parityChunkCount: configuration.parityChunkCount, maxChunkLength: configuration.maxChunkLength)
        } catch {
            throw InfiniCacheError(.rejected, "invalid coding parameters", cause: error)
        }
        guard configuration.maxChunkLength >= configuration.objectLimits.minimumMaxChunkLength else {
            throw InfiniCacheError(.rejected, "a maximum chunk length of \(configuration.maxChunkLength) bytes is below the proxies' minimum of \(configuration.objectLimits.minimumMaxChunkLength)")
        }
        self.configuration = configuration
        self.deadlines = OperationDeadlines(timeout: configuration.timeout)
        self.proxies = proxies
        self.ring = HashRing(memberCount: proxies.count)
    }

    /// Connects to every proxy at `endpoints`, ``ClientConfiguration/connectionsPerProxy``
    /// connections each. A connection the proxy closes is re-established by the next
    /// request that would use it.
    public static func connect(to endpoints: [(host: String, port: Int)], configuration: ClientConfiguration = ClientConfiguration()) async throws -> InfiniCacheClient {
        var proxies: [[any FrameTransport]] = []
        do {
            for endpoint in endpoints {
                var connections: [any FrameTransport] = []
                for _ in 0..<configuration.connectionsPerProxy {
                    connections.append(try await ProxyConnection.connect(host: endpoint.host, port: endpoint.port, token: configuration.token, configuration: configuration.transport))
                }
                proxies.append(connections)
            }
        } catch {
            for connection in proxies.joined() { await connection.close() }
            throw Self.translate(error)
        }
        return try InfiniCacheClient(proxies: proxies, configuration: configuration)
    }

    /// Closes every proxy connection.
    public func close() async {
        for connection in self.proxies.joined() {
            await connection.close()
        }
    }

    /// Stores `value` under `key`, replacing any previous value atomically for readers.
    /// Returns once every chunk of every stripe is stored on its node. The object expires
    /// as `expiry` says (by default, never; `.keep` keeps the replaced version's expiry).
    ///
    /// - Throws: ``InfiniCacheError``: `rejected` for a key or object outside the limits,
    ///   `timedOut`, `proxyUnreachable`, or the proxy's refusal.
    public func put(_ key: String, _ value: ByteBuffer, expiry: ObjectExpiry = .never) async throws {
        try await self.put(ByteBuffer(string: key), value, expiry: expiry)
    }

    /// Stores `value` under `key` for `lifetime` (whole milliseconds, measured by the
    /// proxy's clock from when it receives the write), as ``put(_:_:expiry:)-(String,_,_)``.
    public func put(_ key: String, _ value: ByteBuffer, expiresIn lifetime: Duration) async throws {
        try await self.put(ByteBuffer(string: key), value, expiry: .after(milliseconds: lifetime.milliseconds))
    }

    /// Stores `value` under the key made of `key`'s bytes (which need not be UTF-8), as
    /// ``put(_:_:expiry:)-(String,_,_)``.
    public func put(_ key: ByteBuffer, _ value: ByteBuffer, expiry: ObjectExpiry = .never) async throws {
        let key = try self.checkedKey(key)
        let layout = try self.layout(forObjectLength: value.readableBytes)
        let proxy = self.ring.member(for: key.readableBytesView)
        try await self.withTimeout("put") {
            try await self.upload(value, key: key, layout: layout, expiry: expiry, proxy: proxy)
        }
    }

    /// Stores `value` under `key` (copied once into a `ByteBuffer`).
    public func put(_ key: String, _ value: [UInt8]) async throws {
        try await self.put(key, ByteBuffer(bytes: value))
    }

    /// Removes `key`; returns whether it was cached.
    @discardableResult
    public func delete(_ key: String) async throws -> Bool {
        try await self.delete(ByteBuffer(string: key))
    }

    /// Removes the key made of `key`'s bytes; returns whether it was cached.
    @discardableResult
    public func delete(_ key: ByteBuffer) async throws -> Bool {
        let key = try self.checkedKey(key)
        let answer = try await self.withTimeout("delete") {
            try await self.exchange(Frame(.delete, key: key), proxy: self.ring.member(for: key.readableBytesView))
        }
        return answer.opcode == .deleted
    }

    /// Whether `key` is cached.
    public func exists(_ key: String) async throws -> Bool {
        try await self.exists(ByteBuffer(string: key))
    }

    /// Whether the key made of `key`'s bytes is cached.
    public func exists(_ key: ByteBuffer) async throws -> Bool {
        let key = try self.checkedKey(key)
        let answer = try await self.withTimeout("exists") {
            try await self.exchange(Frame(.statObject, key: key), proxy: self.ring.member(for: key.readableBytesView))
        }
        return answer.opcode == .objectInfo
    }

    /// The counters and node use of proxy `index` (and its lifecycle's report, when its
    /// nodes are serverless functions).
    ///
    /// - Throws: ``InfiniCacheError`` with code `protocolError` if the report cannot be
    ///   decoded, or the errors of any request.
    public func statistics(ofProxy index: Int = 0) async throws -> ProxyStatistics {
        let answer = try await self.exchange(Frame(.stats), proxy: index)
        do {
            return try JSONDecoder().decode(ProxyStatistics.self, from: Data(answer.payload.readableBytesView))
        } catch {
            throw InfiniCacheError(.protocolError, "the proxy's statistics could not be decoded", cause: error)
        }
    }

    /// Writes one stripe of at most ``inlinePutLimit`` carried bytes in one round trip
    /// (`putObjectInline`), a larger object as an announcement, then its chunks.
    private func upload(_ value: ByteBuffer, key: ByteBuffer, layout: StripeLayout, expiry: ObjectExpiry, proxy: Int) async throws {
        let codec = try self.codec(k: layout.dataChunkCount, r: layout.parityChunkCount)
        let encoded = try codec.encode(value, maxChunkLength: layout.maxChunkLength)
        if layout.stripeCount == 1 {
            // Under replication every chunk is the same bytes: one is carried.
            let chunks = codec.isReplication ? [value] : encoded.stripes[0].chunks.map(\.bytes)
            let inline = InlinePut(maxChunkLength: layout.maxChunkLength, expiry: expiry, chunks: chunks)
            if inline.encodedLength <= Self.inlinePutLimit {
                var payload = ByteBuffer()
                inline.write(to: &payload)
                _ = try await self.announce(.putObjectInline, key: key, layout: layout, payload: payload, proxy: proxy)
                return
            }
        }
        let version = try await self.announce(key: key, layout: layout, expiry: expiry, proxy: proxy)
        let frames = encoded.stripes.flatMap {
            self.chunkFrames(of: $0.chunks, stripe: $0.stripe.index, key: key, layout: layout, version: version)
        }
        try await self.store(frames, proxy: proxy)
    }

    /// The most bytes a one-round-trip write carries (its chunks and their header): larger
    /// objects are announced first and their chunks sent once the proxy has placed them,
    /// over every connection to the proxy.
    static let inlinePutLimit = 2 << 20

    /// The layout of an object of `objectLength` bytes in the coding this client's
    /// ``ClientConfiguration/coding(forObjectLength:)`` chooses for it.
    ///
    /// - Throws: ``InfiniCacheError`` with code `rejected` for an object outside the
    ///   proxies' limits.
    func layout(forObjectLength objectLength: Int) throws -> StripeLayout {
        let (k, r) = self.configuration.coding(forObjectLength: objectLength)
        if let violation = self.configuration.objectLimits.violation(objectLength: objectLength, dataChunkCount: k, maxChunkLength: self.configuration.maxChunkLength) {
            throw InfiniCacheError(.rejected, violation)
        }
        do {
            return try StripeLayout(objectLength: objectLength, dataChunkCount: k, parityChunkCount: r, maxChunkLength: self.configuration.maxChunkLength)
        } catch {
            throw InfiniCacheError(.rejected, "an object of \(objectLength) bytes cannot be striped", cause: error)
        }
    }

    /// Sends `putObject` for an object striped as `layout`; returns the version its chunks
    /// must carry.
    func announce(key: ByteBuffer, layout: StripeLayout, expiry: ObjectExpiry, proxy: Int) async throws -> UInt32 {
        var payload = ByteBuffer()
        payload.writeInteger(UInt32(layout.maxChunkLength), endianness: .little)
        if expiry != .never {
            expiry.write(to: &payload)
        }
        return try await self.announce(.putObject, key: key, layout: layout, payload: payload, proxy: proxy)
    }

    /// Sends `opcode` — `putObject`, or `putObjectInline`, which carries the chunks too —
    /// with `payload` for an object striped as `layout`; returns the version the proxy
    /// answered `stored` with.
    private func announce(_ opcode: Opcode, key: ByteBuffer, layout: StripeLayout, payload: ByteBuffer, proxy: Int) async throws -> UInt32 {
        let request = Frame(
            opcode, key: key, k: UInt8(layout.dataChunkCount), r: UInt8(layout.parityChunkCount),
            objectLength: UInt64(layout.objectLength), payload: payload
        )
        let answer = try await self.exchange(request, proxy: proxy)
        guard answer.opcode == .stored else {
            throw InfiniCacheError(.protocolError, "\(opcode) was answered with \(answer.opcode)")
        }
        return answer.objectVersion
    }

    /// The `putChunk` frames of the chunks of stripe `stripe` of an object striped as `layout`.
    func chunkFrames(of chunks: [IndexedChunk<ByteBuffer>], stripe: Int, key: ByteBuffer, layout: StripeLayout, version: UInt32) -> [Frame] {
        chunks.map { chunk in
            Frame(
                .putChunk, key: key, stripeIndex: UInt32(stripe), chunkIndex: UInt8(chunk.index),
                k: UInt8(layout.dataChunkCount), r: UInt8(layout.parityChunkCount),
                objectLength: UInt64(layout.objectLength), objectVersion: version, payload: chunk.bytes
            )
        }
    }

    /// Sends chunks at once and returns when every one is stored.
    func store(_ frames: [Frame], proxy: Int) async throws {
        do {
            try await PendingAnswers.exchange(frames, over: { self.connection(toProxy: proxy) }) { answer in
                if answer.opcode == .error {
                    throw Self.translate(answer)
                }
                guard answer.opcode == .stored else {
                    throw InfiniCacheError(.protocolError, "putChunk was answered with \(answer.opcode)")
                }
            }
        } catch {
            throw Self.translate(error)
        }
    }

    /// `key` as the bytes sent, once it is within the proxies' key limit.
    ///
    /// - Throws: ``InfiniCacheError`` with code `rejected`, naming the limit.
    func checkedKey(_ key: String) throws(InfiniCacheError) -> ByteBuffer {
        try self.checkedKey(ByteBuffer(string: key))
    }

    /// `bytes`, once they are within the proxies' key limit.
    ///
    /// - Throws: ``InfiniCacheError`` with code `rejected`, naming the limit.
    func checkedKey(_ bytes: ByteBuffer) throws(InfiniCacheError) -> ByteBuffer {
        let limit = self.configuration.transport.limits.maximumKeyLength
        guard bytes.readableBytes <= limit else {
            throw InfiniCacheError(.rejected, "a key is at most \(limit) bytes of UTF-8; this one has \(bytes.readableBytes)")
        }
        return bytes
    }

    /// The codec for (k, r), made once per pair: objects written by other clients may use
    /// other parameters than this client's.
    func codec(k: Int, r: Int) throws -> ReedSolomonCodec {
        try self.codecs.withLock { codecs in
            if let codec = codecs[k << 8 | r] { return codec }
            let codec = try ReedSolomonCodec(dataChunkCount: k, parityChunkCount: r)
            codecs[k << 8 | r] = codec
            return codec
        }
    }

    /// A connection to proxy `index`, taking turns between its connections.
    func connection(toProxy index: Int) -> any FrameTransport {
        let connections = self.proxies[index]
        let turn = self.rotation.withLock { turn in
            defer { turn &+= 1 }
            return turn
        }
        return connections[turn % connections.count]
    }

    /// How many proxies the client spreads keys over.
    public var proxyCount: Int { self.proxies.count }

    func proxy(for key: ByteBuffer) -> Int {
        self.ring.member(for: key.readableBytesView)
    }

    /// Sends a single-response request and turns error frames and transport failures into
    /// ``InfiniCacheError``s.
    func exchange(_ request: Frame, proxy: Int) async throws -> Frame {
        let answer: Frame
        do {
            answer = try await PendingAnswers.answer(to: request, over: { self.connection(toProxy: proxy) })
        } catch {
            throw Self.translate(error)
        }
        if answer.opcode == .error {
            throw Self.translate(answer)
        }
        return answer
    }

    /// `error` as the client throws it: an ``InfiniCacheError``, or the `CancellationError`
    /// of a cancelled task (an operation whose deadline passed turns it into `timedOut`).
    static func translate(_ error: any Error) -> any Error {
        switch error {
        case let error as InfiniCacheError: error
        case let error as CancellationError: error
        case let error as TransportError where error.code == .rejected:
            InfiniCacheError(.rejected, "the proxy refused this client: its token is missing or wrong", cause: error)
        case let error as TransportError: InfiniCacheError(.proxyUnreachable, "the proxy connection failed", cause: error)
        case let error as WireError: InfiniCacheError(.protocolError, "the proxy sent a bad frame", cause: error)
        default: InfiniCacheError(.protocolError, "unexpected failure", cause: error)
        }
    }

    static func translate(_ errorFrame: Frame) -> InfiniCacheError {
        guard let message = try? ErrorMessage(from: errorFrame) else {
            return InfiniCacheError(.protocolError, "an unreadable error frame")
        }
        switch message.code {
        case .objectLost: return InfiniCacheError(.objectLost, message.message, cause: message)
        case .checksumMismatch, .protocolViolation, .badRequest: return InfiniCacheError(.protocolError, message.message, cause: message)
        default: return InfiniCacheError(.rejected, message.message, cause: message)
        }
    }

    /// Runs `operation`, failing with `timedOut` after ``ClientConfiguration/timeout``.
    func withTimeout<Result: Sendable>(_ what: String, _ operation: () async throws -> Result) async throws -> Result {
        try await self.deadlines.run(what, operation)
    }
}
