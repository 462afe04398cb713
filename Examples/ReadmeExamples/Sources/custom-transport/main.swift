import ChunkTransport
import ChunkTransportInProcess
import ChunkWire
import NIOCore
import Synchronization

/// Delays every request by a fixed time: a slow link in front of another transport.
struct DelayedTransport: FrameTransport {
    let base: any FrameTransport
    let delay: Duration

    func send(_ request: Frame, onResponse: @escaping ResponseHandler) -> PendingRequest {
        let sent = Mutex<(cancelled: Bool, pending: PendingRequest?)>((false, nil))
        let timer = Task {
            try await Task.sleep(for: self.delay)
            let pending = self.base.send(request, onResponse: onResponse)
            let cancelled = sent.withLock { state in
                state.pending = pending
                return state.cancelled
            }
            if cancelled { pending.cancel() }
        }
        return PendingRequest {
            timer.cancel()
            sent.withLock { state in
                state.cancelled = true
                return state.pending
            }?.cancel()
        }
    }

    func close() async {
        await self.base.close()
    }
}

struct Echo: FrameResponder {
    func respond(to request: Frame, replies: ReplySink) {
        replies.post(Frame(.chunkData, payload: request.payload))
    }
}

let slow = DelayedTransport(base: InProcessTransport(to: Echo()), delay: .milliseconds(50))
let start = ContinuousClock.now
let reply = try await slow.request(Frame(.putChunk, payload: ByteBuffer(string: "late")))  // built on send(_:onResponse:)
precondition(reply.payload == ByteBuffer(string: "late") && ContinuousClock.now - start >= .milliseconds(50))
