public import ChunkTransport
public import ChunkWire
import Synchronization

/// A `FrameTransport` without sockets: requests go straight to a ``FrameResponder`` in
/// the same process, and frames — payload buffers included — are passed by reference,
/// never copied or serialised. Tests and the embedded demo cluster use it.
///
/// It keeps the semantics of the TCP transport: fresh request ids, responses delivered in
/// order, cancellation that cancels the responder's task or runs its
/// `ReplySink.onCancel(_:)` handler, and ``close()`` (a node that vanishes) failing every
/// outstanding request with `TransportError` `connectionClosed`. The responder answers
/// on the sender's thread.
public final class InProcessTransport: FrameTransport {
    private struct Outstanding {
        var replies: ReplySink
        var onResponse: ResponseHandler
    }

    private struct State {
        var nextRequestID: UInt64 = 1
        var isOpen = true
        var outstanding: [UInt64: Outstanding] = [:]
    }

    private let responder: any FrameResponder
    private let verifiesPayloadChecksums: Bool
    private let limits: WireLimits
    private let state = Mutex(State())

    /// Creates a transport that serves every request with `responder`. With
    /// `verifiesPayloadChecksums` the payloads of responses are checked as the TCP
    /// transport checks them; a request over `limits` fails at once, as the TCP
    /// transport fails it, and never reaches the responder.
    public init(to responder: any FrameResponder, verifiesPayloadChecksums: Bool = true, limits: WireLimits = .default) {
        self.responder = responder
        self.verifiesPayloadChecksums = verifiesPayloadChecksums
        self.limits = limits
    }

    public func send(_ request: Frame, onResponse: @escaping ResponseHandler) -> PendingRequest {
        if let refused = PendingRequest.refused(request, over: self.limits, onResponse: onResponse) {
            return refused
        }
        let requestID: UInt64? = self.state.withLock { state in
            guard state.isOpen else { return nil }
            defer { state.nextRequestID += 1 }
            return state.nextRequestID
        }
        guard let requestID else {
            onResponse(.failure(TransportError(.connectionClosed, "the in-process transport is closed")))
            return PendingRequest {}
        }
        let request = request.withRequestID(requestID)
        let replies = ReplySink(requestID: requestID) { response in
            // Delivered only while the request is outstanding: not after a cancel, a
            // close or a corrupt response.
            let verified = self.verified(response)
            let isCorrupt = (try? verified.get()) == nil
            let ends = !response.flags.contains(.more) || isCorrupt
            let outstanding = self.state.withLock { state in
                ends ? state.outstanding.removeValue(forKey: requestID) : state.outstanding[requestID]
            }
            guard let outstanding else { return nil }
            if isCorrupt {
                // The request ends here for its requester: the responder stops too.
                outstanding.replies.cancel()
            }
            onResponse(verified)
            return nil
        }
        // Outstanding until its final response is delivered (a responder always sends
        // one unless the request is cancelled, which removes it too).
        self.state.withLock { $0.outstanding[requestID] = Outstanding(replies: replies, onResponse: onResponse) }
        self.responder.respond(to: request, replies: replies)
        return PendingRequest { [weak self] in
            self?.state.withLock { $0.outstanding.removeValue(forKey: requestID) }?.replies.cancel()
        }
    }

    /// `response`, or the checksum failure of its payload.
    private func verified(_ response: Frame) -> Result<Frame, any Error> {
        Result {
            if self.verifiesPayloadChecksums {
                try response.verifyPayloadChecksum()
            }
            return response
        }
    }

    public func close() async {
        let outstanding = self.state.withLock { state in
            state.isOpen = false
            defer { state.outstanding.removeAll() }
            return Array(state.outstanding.values)
        }
        for request in outstanding {
            request.replies.cancel()
            request.onResponse(.failure(TransportError(.connectionClosed, "the in-process transport was closed")))
        }
    }

    /// Number of requests whose responses have not all been delivered; for tests and stats.
    public var outstandingRequests: Int {
        self.state.withLock { $0.outstanding.count }
    }
}
