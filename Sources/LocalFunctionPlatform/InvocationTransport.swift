import ChunkTransport
import ChunkWire
import NIOCore
import Synchronization

/// The instance's connection, open only while the invocation runs (a stopped instance
/// serves nothing). The platform counts every request until its last response, so an
/// instance never returns or stops in the middle of a request.
struct InvocationTransport: FrameTransport {
    let invocation: LocalInvocation

    func send(_ request: Frame, onResponse: @escaping ResponseHandler) -> PendingRequest {
        let invocation = self.invocation
        guard invocation.instance.isAlive,
            invocation.platform.beginRequest(invocation.function, instance: invocation.instanceID, invocation: invocation.invocation)
        else {
            onResponse(.failure(TransportError(.connectionClosed, "the invocation of \(invocation.function) on instance \(invocation.instanceID) has ended")))
            return PendingRequest {}
        }
        let ended = Atomic(false)
        // Chunk bytes in and out, for the platform's link model; frames' other payloads
        // (sync marks, object info, errors) are a few bytes that no scale multiplies.
        let moved = Atomic(Self.chunkBytes(of: request))
        let end: @Sendable () -> Void = {
            if !ended.exchange(true, ordering: .acquiringAndReleasing) {
                invocation.platform.endRequest(invocation.function, instance: invocation.instanceID, bytesMoved: moved.load(ordering: .acquiring))
            }
        }
        let pending = invocation.instance.connection.send(request) { result in
            let response = try? result.get()
            moved.add(response.map(Self.chunkBytes(of:)) ?? 0, ordering: .acquiringAndReleasing)
            // The request ends before its final response is passed on, so that whoever
            // reads it sees the instance's state after the request.
            if response?.flags.contains(.more) != true {
                end()
            }
            onResponse(result)
        }
        return PendingRequest {
            pending.cancel()
            end()
        }
    }

    /// The chunk bytes a frame carries: the payload of a chunk stored or served.
    private static func chunkBytes(of frame: Frame) -> Int {
        frame.opcode == .putChunk || frame.opcode == .chunkData ? frame.payload.readableBytes : 0
    }

    /// Ends the invocation: now, or once the requests it serves (including any that join
    /// it meanwhile) have finished; requests after that fail. The instance keeps its
    /// connection for its next invocation.
    func close() async {
        self.invocation.end()
    }
}
