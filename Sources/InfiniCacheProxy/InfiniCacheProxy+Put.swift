import ChunkTransport
import ChunkWire
import ErasureCoding
import NIOCore

extension InfiniCacheProxy {
    /// Places a new object's chunks and answers with its version, or refuses it.
    func beginPut(_ request: Frame, replies: ReplySink) {
        let placed: (record: ObjectRecord, evicted: [Deletion])
        do {
            placed = try self.place(request)
        } catch {
            replies.post(error.frame(requestID: 0))
            return
        }
        var response = request.response(.stored)
        response.objectVersion = placed.record.version
        guard !placed.evicted.isEmpty else {
            replies.post(response)
            return
        }
        // The evicted chunks leave their nodes before the client may send the new ones,
        // which could otherwise reach a node first and find it still full.
        self.delete(placed.evicted) { [response] in
            replies.post(response)
        }
    }

    private func place(_ request: Frame) throws(ErrorMessage) -> (record: ObjectRecord, evicted: [Deletion]) {
        var payload = request.payload
        guard let maxChunkLength = payload.readInteger(endianness: .little, as: UInt32.self) else {
            throw ErrorMessage(.badRequest, "putObject needs the maximum chunk length as its payload")
        }
        var expiry = ObjectExpiry.never
        if payload.readableBytes > 0 {
            do {
                expiry = try ObjectExpiry(from: &payload)
            } catch {
                throw ErrorMessage(.badRequest, "putObject: \(error.message)")
            }
        }
        return try self.place(request, layout: self.layout(of: request, maxChunkLength: Int(maxChunkLength)), expiry: expiry)
    }

    /// The layout of the object `request` announces (its k, r and object length) in chunks
    /// of at most `maxChunkLength` bytes.
    ///
    /// - Throws: `ErrorMessage`: `capacityExceeded` for a length over 1 PiB, `badRequest`
    ///   for a coding no layout has, `limitExceeded` for an object outside the proxy's
    ///   object limits.
    func layout(of request: Frame, maxChunkLength: Int) throws(ErrorMessage) -> StripeLayout {
        guard let objectLength = Int(exactly: request.objectLength), objectLength <= Self.maximumObjectLength else {
            throw ErrorMessage(.capacityExceeded, "an object of \(request.objectLength) bytes is larger than any cache")
        }
        let layout: StripeLayout
        do {
            layout = try StripeLayout(objectLength: objectLength, dataChunkCount: Int(request.k), parityChunkCount: Int(request.r), maxChunkLength: maxChunkLength)
        } catch {
            throw ErrorMessage(.badRequest, "\(error)")
        }
        if let violation = self.objectLimits.violation(objectLength: objectLength, dataChunkCount: layout.dataChunkCount, maxChunkLength: layout.maxChunkLength) {
            throw ErrorMessage(.limitExceeded, violation)
        }
        return layout
    }

    /// Places a new version of `request`'s key, striped as `layout`, expiring as `expiry`
    /// says; throws the refusal if it does not fit.
    func place(_ request: Frame, layout: StripeLayout, expiry: ObjectExpiry) throws(ErrorMessage) -> (record: ObjectRecord, evicted: [Deletion]) {
        let now = ContinuousClock.now
        let wallClock = self.wallClock()
        switch self.withState({ $0.beginUpload(key: request.key, layout: layout, expiry: expiry, wallClock: wallClock, now: now) }) {
        case .success(let placed):
            return placed
        case .failure(let refusal):
            self.sendLater(refusal.deletions)
            throw refusal.message
        }
    }

    /// Passes a chunk of an upload on to its node: the node's answer completes the
    /// request where it arrives, with no task at the proxy.
    func startPutChunk(_ request: Frame, replies: ReplySink) {
        let pending = self.forwardChunk(request) { answer in
            replies.post(answer)
        }
        guard let pending else {
            let (stripe, chunk, length) = (request.stripeIndex, request.chunkIndex, request.payload.readableBytes)
            replies.post(ErrorMessage(.badRequest, "no upload of this key and version takes chunk \(chunk) of stripe \(stripe) with \(length) bytes, k = \(request.k), r = \(request.r) and object length \(request.objectLength)").frame(requestID: 0))
            return
        }
        // A client that gives up on a chunk gives up on the upload.
        replies.onCancel {
            pending.cancel()
            self.sendLater(self.withState { $0.abortUpload(VersionID(key: request.key, version: request.objectVersion)) })
        }
    }

    /// Sends the `putChunk` `request` to the node its upload placed it on, and calls
    /// `completion` with the answer for the client: `stored` once the node stored it and
    /// the proxy counted it (the last chunk commits the version), or an `error`, after
    /// which the upload is abandoned. Returns the node request, or nil if no upload takes
    /// the chunk (`completion` is then never called).
    func forwardChunk(_ request: Frame, completion: @escaping @Sendable (Frame) -> Void) -> PendingRequest? {
        let version = VersionID(key: request.key, version: request.objectVersion)
        let stripe = Int(request.stripeIndex)
        let chunk = Int(request.chunkIndex)
        guard let target = self.withState({ $0.uploadTarget(of: request) }) else {
            return nil
        }
        return target.transport.request(request) { result in
            let answer: Frame
            do {
                answer = try result.get()
            } catch {
                self.sendLater(self.withState { $0.abortUpload(version) })
                completion(ErrorMessage(.unavailable, "node \(target.node) did not store the chunk: \(error)").frame(requestID: 0))
                return
            }
            guard answer.opcode == .stored else {
                self.sendLater(self.withState { $0.abortUpload(version) })
                completion(answer)
                return
            }
            let (now, wallClock) = (ContinuousClock.now, self.wallClock())
            guard let replaced = self.withState({ $0.chunkStored(version, stripe: stripe, chunk: chunk, now: now, wallClock: wallClock) }) else {
                // The upload expired or was aborted while this chunk travelled: drop it too.
                self.sendLater([Deletion(node: target.node, version: version)])
                completion(ErrorMessage(.unavailable, "the upload of this version was abandoned before it completed").frame(requestID: 0))
                return
            }
            self.sendLater(replaced)
            completion(request.response(.stored))
        }
    }
}
