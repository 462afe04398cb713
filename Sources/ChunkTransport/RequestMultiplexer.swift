import ChunkWire
import NIOCore

/// The requester's bookkeeping for one connection, free of any channel so it can be tested
/// alone: which requests are in flight, which wait for a free slot, and where each
/// response goes. Every method returns the frames the caller must write.
struct RequestMultiplexer {
    private struct Waiting {
        var request: Frame
        var onResponse: ResponseHandler
    }

    private let limit: Int
    private let verifiesPayloadChecksums: Bool
    private var inFlight: [UInt64: ResponseHandler] = [:]
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
    mutating func submit(_ request: Frame, onResponse: @escaping ResponseHandler) -> Frame? {
        if let error = self.closedError {
            onResponse(.failure(error))
            return nil
        }
        guard self.inFlight.count < self.limit else {
            self.waiting.append(Waiting(request: request, onResponse: onResponse))
            return nil
        }
        self.inFlight[request.requestID] = onResponse
        return request
    }

    /// Routes a response to its request. Returns the frames to write as a result: a cancel
    /// if the response's payload is corrupt and more were coming, and any queued requests
    /// that a finished request made room for. Responses to unknown (cancelled) requests
    /// are dropped.
    mutating func receive(_ response: Frame) -> [Frame] {
        guard let onResponse = self.inFlight[response.requestID] else {
            return []
        }
        let isLast = !response.flags.contains(.more)
        if self.verifiesPayloadChecksums {
            do {
                try response.verifyPayloadChecksum()
            } catch {
                self.inFlight.removeValue(forKey: response.requestID)
                onResponse(.failure(error))
                let cancel = isLast ? [] : [Frame(.cancel, requestID: response.requestID, payloadChecksum: 0)]
                return cancel + self.admitWaiting()
            }
        }
        if isLast {
            self.inFlight.removeValue(forKey: response.requestID)
        }
        onResponse(.success(response))
        return isLast ? self.admitWaiting() : []
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
        let inFlight = self.inFlight.values
        self.inFlight.removeAll()
        for onResponse in inFlight {
            onResponse(.failure(error))
        }
        while let waiting = self.waiting.popFirst() {
            waiting.onResponse(.failure(error))
        }
    }

    private mutating func admitWaiting() -> [Frame] {
        var admitted: [Frame] = []
        while self.inFlight.count < self.limit, let next = self.waiting.popFirst() {
            self.inFlight[next.request.requestID] = next.onResponse
            admitted.append(next.request)
        }
        return admitted
    }
}
