public import ChunkTransport
public import ChunkWire
public import Logging
import NIOCore

/// A cache node: serves the proxy's `putChunk`, `getChunk` and `delete` requests from a
/// ``ChunkStore``. Payload checksums are verified by the transport before a put reaches
/// the store (configure it with `verifiesPayloadChecksums`, the default), so a corrupt
/// chunk is refused, not stored.
public struct CacheNode: FrameResponder {
    /// The node's chunks.
    public let store: ChunkStore
    /// Chunk bytes per page of a delta sync it sends as a primary.
    let syncPageBytes: Int
    private let logger: Logger

    /// Creates a node whose store holds at most `capacity` payload bytes and which sends
    /// delta syncs in pages of about `syncPageBytes` chunk bytes (default 16 MiB).
    public init(capacity: Int, syncPageBytes: Int = 16 << 20, logger: Logger = Logger(label: "infinicache.node")) {
        self.store = ChunkStore(capacity: capacity)
        self.syncPageBytes = syncPageBytes
        self.logger = logger
    }

    public func respond(to request: Frame, replies: ReplySink) async throws {
        if request.opcode == .syncDelta {
            try await self.sendDelta(for: request, replies: replies)
        } else {
            // Every other request a node serves is answered from memory at once.
            try await replies.send(self.answer(request))
        }
    }

    public func respondInline(to request: Frame, replies: ReplySink) -> Bool {
        guard request.opcode != .syncDelta else {
            return false
        }
        replies.post(self.answer(request))
        return true
    }

    private func answer(_ request: Frame) -> Frame {
        let address = ChunkStore.Address(key: request.key, version: request.objectVersion, stripe: request.stripeIndex, chunk: request.chunkIndex)
        switch request.opcode {
        case .putChunk:
            let chunk = ChunkStore.Chunk(payload: request.payload, checksum: request.payloadChecksum, k: request.k, r: request.r, objectLength: request.objectLength)
            do {
                try self.store.put(chunk, at: address)
            } catch {
                return error.frame(requestID: request.requestID)
            }
            return request.response(.stored)
        case .getChunk:
            guard let chunk = self.store.chunk(at: address) else {
                return request.response(.notFound)
            }
            var response = request.response(.chunkData)
            response.k = chunk.k
            response.r = chunk.r
            response.objectLength = chunk.objectLength
            response.payload = chunk.payload
            response.payloadChecksum = chunk.checksum
            return response
        case .delete:
            let removed = self.store.delete(key: request.key, version: request.objectVersion)
            self.logger.trace("deleted chunks", metadata: ["count": "\(removed)"])
            return request.response(.deleted)
        case .syncStatus, .syncBegin, .syncCommit:
            return self.answerSync(request)
        default:
            return ErrorMessage(.badRequest, "a cache node does not serve \(request.opcode)").frame(requestID: request.requestID)
        }
    }

    /// Dials the proxy's node port, registers as `functionID`, and serves until the
    /// connection closes. A non-zero `respondDelay` makes the node a straggler.
    public func serve(
        proxyHost: String,
        proxyPort: Int,
        functionID: String,
        instanceID: UInt64,
        token: [UInt8],
        respondDelay: Duration = .zero,
        configuration: TransportConfiguration = .default
    ) async throws {
        let hello = HelloMessage(functionID: functionID, instanceID: instanceID, memoryCapacity: UInt64(self.store.capacity), token: token)
        let responder: any FrameResponder = respondDelay > .zero ? DelayedResponder(base: self, delay: respondDelay) : self
        let session = try await NodeSession.connect(host: proxyHost, port: proxyPort, hello: hello, responder: responder, configuration: configuration)
        self.logger.info("registered with the proxy", metadata: ["proxy": "\(proxyHost):\(proxyPort)", "function": "\(functionID)"])
        await withTaskCancellationHandler {
            await session.waitUntilClosed()
        } onCancel: {
            Task { await session.close() }
        }
    }
}
