public import ChunkWire
import Synchronization

/// A ``NodeTransport`` without sockets: requests go straight to a ``FrameResponder`` in
/// the same process, and frames — payload buffers included — are passed by reference,
/// never copied or serialised. Tests and the embedded demo cluster use it.
///
/// It keeps the semantics of the TCP transport: fresh request ids, responses streamed in
/// order, cancellation that cancels the responder's task, and ``close()`` (a node that
/// vanishes) failing every outstanding request with
/// ``TransportError/Code-swift.struct/connectionClosed``.
public final class InProcessTransport: NodeTransport {
    private struct Outstanding {
        var task: Task<Void, Never>
        var continuation: FrameResponses.Continuation
    }

    private struct State {
        var nextRequestID: UInt64 = 1
        var isOpen = true
        var outstanding: [UInt64: Outstanding] = [:]
    }

    private let responder: any FrameResponder
    private let verifiesPayloadChecksums: Bool
    private let state = Mutex(State())

    /// Creates a transport that serves every request with `responder`. With
    /// `verifiesPayloadChecksums` the payloads of responses are checked as the TCP
    /// transport checks them.
    public init(to responder: any FrameResponder, verifiesPayloadChecksums: Bool = true) {
        self.responder = responder
        self.verifiesPayloadChecksums = verifiesPayloadChecksums
    }

    public func send(_ request: Frame) -> FrameResponses {
        let (stream, continuation) = FrameResponses.makeStream()
        let requestID: UInt64? = self.state.withLock { state in
            guard state.isOpen else { return nil }
            defer { state.nextRequestID += 1 }
            return state.nextRequestID
        }
        guard let requestID else {
            continuation.finish(throwing: TransportError(.connectionClosed, "the in-process transport is closed"))
            return stream
        }
        let request = request.withRequestID(requestID)
        let verifiesPayloadChecksums = self.verifiesPayloadChecksums
        @Sendable func deliver(_ response: Frame) {
            if verifiesPayloadChecksums {
                do {
                    try response.verifyPayloadChecksum()
                } catch {
                    continuation.finish(throwing: error)
                    return
                }
            }
            continuation.yield(response)
            if !response.flags.contains(.more) {
                continuation.finish()
            }
        }
        if let answer = self.responder.respondImmediately(to: request) {
            deliver(answer.numbered(requestID, final: true))
            return stream
        }
        let sink = ReplySink(requestID: requestID) { response in
            deliver(response)
        }
        // Registering under the lock that the task's clean-up also takes orders the two.
        let task = self.state.withLock { state in
            let task = Task { [responder] in
                await sink.serve(request, with: responder)
                self.state.withLock { _ = $0.outstanding.removeValue(forKey: requestID) }
            }
            state.outstanding[requestID] = Outstanding(task: task, continuation: continuation)
            return task
        }
        continuation.onTermination = { [weak self] termination in
            if case .cancelled = termination {
                task.cancel()
                self?.state.withLock { _ = $0.outstanding.removeValue(forKey: requestID) }
            }
        }
        return stream
    }

    public func close() async {
        let outstanding = self.state.withLock { state in
            state.isOpen = false
            defer { state.outstanding.removeAll() }
            return Array(state.outstanding.values)
        }
        for request in outstanding {
            request.task.cancel()
            request.continuation.finish(throwing: TransportError(.connectionClosed, "the in-process transport was closed"))
        }
    }

    /// Number of requests whose responses have not all been delivered; for tests and stats.
    public var outstandingRequests: Int {
        self.state.withLock { $0.outstanding.count }
    }
}
