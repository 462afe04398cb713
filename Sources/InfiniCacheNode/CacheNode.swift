public import ChunkTransport
public import ChunkWire
public import Logging
import NIOCore

/// A cache node: serves the proxy's `putChunk`, `getChunk`, `delete` and `deleteVersions`
/// requests from a ``ChunkStore``, and the requests of its delta-sync relay. Payload
/// checksums are verified by the transport before a put reaches the store (configure it
/// with `verifiesPayloadChecksums`, the default), so a corrupt chunk is refused, not
/// stored.
/// ``NodeService`` connects a node to its proxy.
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

    /// Answers from memory at once; a delta sync, which streams pages and waits for room
    /// on the connection, in a task of its own.
    public func respond(to request: Frame, replies: ReplySink) {
        if request.opcode == .syncDelta {
            replies.run { replies in
                try await self.sendDelta(for: request, replies: replies)
            }
        } else {
            replies.post(self.answer(request))
        }
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
        case .deleteVersions:
            let list: DeletionList
            do {
                list = try DeletionList(from: request.payload)
            } catch {
                return ErrorMessage(.badRequest, "deleteVersions: \(error.message)").frame(requestID: request.requestID)
            }
            let removed = list.entries.reduce(0) { $0 + self.store.delete(key: $1.key, version: $1.version) }
            self.logger.trace("deleted chunks", metadata: ["versions": "\(list.entries.count)", "count": "\(removed)"])
            return request.response(.deleted)
        case .syncStatus, .syncBegin, .syncCommit:
            return self.answerSync(request)
        default:
            return ErrorMessage(.badRequest, "a cache node does not serve \(request.opcode)").frame(requestID: request.requestID)
        }
    }
}
