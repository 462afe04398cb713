import ChunkWire
import NIOCore

/// The requester's bookkeeping for one connection, free of any channel so it can be tested
/// alone: which requests are in flight, which wait for a free slot, and where each
/// response goes. Every method returns the frames the caller must write.
struct RequestMultiplexer {
    typealias Continuation = FrameResponses.Continuation

    private struct Waiting {
        var request: Frame
        var continuation: Continuation
    }

    private let limit: Int
    private let verifiesPayloadChecksums: Bool
    private var inFlight: [UInt64: Continuation] = [:]
    private var waiting = CircularBuffer<Waiting>()
    private var closedError: TransportError?

    init(limit: Int, verifiesPayloadChecksums: Bool) {
        self.limit = limit
        self.verifiesPayloadChecksums = verifiesPayloadChecksums
    }

    var inFlightCount: Int { self.inFlight.count }
    var waitingCount: Int { self.waiting.count }

    /// Takes a new request: returns it to be written now, or queues it while the
    /// connection is at its limit. On a closed connection the request fails at once.
    mutating func submit(_ request: Frame, continuation: Continuation) -> Frame? {
        if let error = self.closedError {
            continuation.finish(throwing: error)
            return nil
        }
        guard self.inFlight.count < self.limit else {
            self.waiting.append(Waiting(request: request, continuation: continuation))
            return nil
        }
        self.inFlight[request.requestID] = continuation
        return request
    }

    /// Routes a response to its request. Returns the frames to write as a result: a cancel
    /// if the response's payload is corrupt and more were coming, and any queued requests
    /// that a finished request made room for. Responses to unknown (cancelled) requests
    /// are dropped.
    mutating func receive(_ response: Frame) -> [Frame] {
        guard let continuation = self.inFlight[response.requestID] else {
            return []
        }
        let isLast = !response.flags.contains(.more)
        if self.verifiesPayloadChecksums {
            do {
                try response.verifyPayloadChecksum()
            } catch {
                continuation.finish(throwing: error)
                self.inFlight.removeValue(forKey: response.requestID)
                let cancel = isLast ? [] : [Frame(.cancel, requestID: response.requestID, payloadChecksum: 0)]
                return cancel + self.admitWaiting()
            }
        }
        continuation.yield(response)
        guard isLast else {
            return []
        }
        continuation.finish()
        self.inFlight.removeValue(forKey: response.requestID)
        return self.admitWaiting()
    }

    /// Forgets a request its caller abandoned. Returns a cancel frame for the responder if
    /// the request was already sent, and any queued requests admitted in its place.
    mutating func cancel(_ requestID: UInt64) -> [Frame] {
        if self.inFlight.removeValue(forKey: requestID) != nil {
            return [Frame(.cancel, requestID: requestID, payloadChecksum: 0)] + self.admitWaiting()
        }
        if let index = self.waiting.firstIndex(where: { $0.request.requestID == requestID }) {
            self.waiting.remove(at: index)
        }
        return []
    }

    /// Fails every outstanding and queued request with `error`, and every later one too.
    mutating func close(with error: TransportError) {
        guard self.closedError == nil else {
            return
        }
        self.closedError = error
        for continuation in self.inFlight.values {
            continuation.finish(throwing: error)
        }
        self.inFlight.removeAll()
        while let waiting = self.waiting.popFirst() {
            waiting.continuation.finish(throwing: error)
        }
    }

    private mutating func admitWaiting() -> [Frame] {
        var admitted: [Frame] = []
        while self.inFlight.count < self.limit, let next = self.waiting.popFirst() {
            self.inFlight[next.request.requestID] = next.continuation
            admitted.append(next.request)
        }
        return admitted
    }
}
