import ChunkTransport
import ChunkWire
import NIOCore

extension InfiniCacheProxy {
    private struct Arrival: Sendable {
        var stripe: Int
        var chunk: Int
        var frame: Frame?
    }

    /// First-d read: asks every node of every stripe at once, forwards each chunk as it
    /// arrives, and once a stripe has k chunks forwarded cancels its stragglers. A stripe
    /// that can no longer reach k makes the object lost: it is removed, and the reader
    /// gets an `objectLost` error.
    func get(_ request: Frame, replies: ReplySink) async throws {
        guard let record = self.state.beginRead(request.key) else {
            try await replies.send(request.response(.notFound))
            return
        }
        var lost = false
        defer {
            self.sendLater(self.state.endRead(record, lost: lost))
        }
        try await replies.send(record.infoFrame(), final: false)
        let width = record.k + record.r
        let (arrivals, arrived) = AsyncStream<Arrival>.makeStream()
        var fetches: [[Task<Void, Never>]] = []
        for stripe in record.placement.indices {
            fetches.append(record.placement[stripe].enumerated().map { chunk, node in
                let transport = self.state.transport(of: node)
                let fetch = Frame(.getChunk, key: record.key, stripeIndex: UInt32(stripe), chunkIndex: UInt8(chunk), objectVersion: record.version, payloadChecksum: 0)
                return Task {
                    var frame: Frame?
                    if let transport, let answer = try? await transport.request(fetch), answer.opcode == .chunkData {
                        frame = answer
                    }
                    arrived.yield(Arrival(stripe: stripe, chunk: chunk, frame: frame))
                }
            })
        }
        defer {
            for stripe in fetches {
                for fetch in stripe { fetch.cancel() }
            }
        }
        var forwarded = [Int](repeating: 0, count: fetches.count)
        var failed = [Int](repeating: 0, count: fetches.count)
        var completeStripes = 0
        var outstanding = fetches.count * width
        for await arrival in arrivals {
            outstanding -= 1
            guard forwarded[arrival.stripe] < record.k else { continue }
            guard var frame = arrival.frame else {
                failed[arrival.stripe] += 1
                if failed[arrival.stripe] > record.r {
                    lost = true
                    throw ErrorMessage(.objectLost, "stripe \(arrival.stripe) of the object has fewer than \(record.k) reachable chunks")
                }
                continue
            }
            // The proxy vouches for the chunk's address, whatever the node put in its reply.
            frame.stripeIndex = UInt32(arrival.stripe)
            frame.chunkIndex = UInt8(arrival.chunk)
            frame.objectVersion = record.version
            forwarded[arrival.stripe] += 1
            if forwarded[arrival.stripe] == record.k {
                completeStripes += 1
                for fetch in fetches[arrival.stripe] { fetch.cancel() }
            }
            frame.key = ByteBuffer()
            try await replies.send(frame, final: completeStripes == fetches.count)
            if completeStripes == fetches.count || outstanding == 0 {
                break
            }
        }
        // A reader that went away ends the loop early: that says nothing about the object.
        if completeStripes < fetches.count, !Task.isCancelled {
            lost = true
            throw ErrorMessage(.objectLost, "some stripe of the object has fewer than \(record.k) reachable chunks")
        }
    }
}
