import ChunkTransport
import ChunkWire
import NIOCore

/// The requester's bookkeeping for one connection, as a state machine free of any
/// channel: which requests are in flight, which wait for a free slot, and where each
/// response goes. Every event returns what the caller must do — deliver a response, fail
/// requests, write frames — and the caller does it after the call, so a response handler
/// that sends again never re-enters the machine.
struct RequestMultiplexer {
    private struct Waiting {
        var request: Frame
        var onResponse: ResponseHandler
    }

    /// What to do with a newly submitted request.
    enum SubmitAction {
        /// Write it now.
        case write(Frame)
        /// Nothing yet: it waits for a free slot.
        case queued
        /// The connection is closed: fail the request.
        case fail(ResponseHandler, TransportError)
    }

    /// A response (or failure) for its request's handler, and the frames to write after
    /// handing it over: a cancel if a corrupt response ended a streaming request, and the
    /// queued requests that a finished one made room for.
    struct ReceiveAction {
        var delivery: (handler: ResponseHandler, result: Result<Frame, any Error>)?
        var writes: [Frame] = []
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

    /// Takes a new request (which already carries its id).
    mutating func submit(_ request: Frame, onResponse: @escaping ResponseHandler) -> SubmitAction {
        if let error = self.closedError {
            return .fail(onResponse, error)
        }
        guard self.inFlight.count < self.limit else {
            self.waiting.append(Waiting(request: request, onResponse: onResponse))
            return .queued
        }
        self.inFlight[request.requestID] = onResponse
        return .write(request)
    }

    /// Routes a response to its request. Responses to unknown (cancelled) requests are
    /// dropped: the action is empty.
    mutating func receive(_ response: Frame) -> ReceiveAction {
        guard let onResponse = self.inFlight[response.requestID] else {
            return ReceiveAction()
        }
        let isLast = !response.flags.contains(.more)
        if self.verifiesPayloadChecksums {
            do {
                try response.verifyPayloadChecksum()
            } catch {
                self.inFlight.removeValue(forKey: response.requestID)
                let cancel = isLast ? [] : [Frame(.cancel, requestID: response.requestID, payloadChecksum: 0)]
                return ReceiveAction(delivery: (onResponse, .failure(error)), writes: cancel + self.admitWaiting())
            }
        }
        guard isLast else {
            return ReceiveAction(delivery: (onResponse, .success(response)))
        }
        self.inFlight.removeValue(forKey: response.requestID)
        return ReceiveAction(delivery: (onResponse, .success(response)), writes: self.admitWaiting())
    }

    /// Fails the request a refused response belonged to (a response that exceeded a
    /// limit and was skipped), cancelling the rest of it if more were coming.
    mutating func refuse(_ refused: RefusedFrame) -> ReceiveAction {
        guard let onResponse = self.inFlight.removeValue(forKey: refused.requestID) else {
            return ReceiveAction()
        }
        let cancel = refused.flags.contains(.more) ? [Frame(.cancel, requestID: refused.requestID, payloadChecksum: 0)] : []
        return ReceiveAction(delivery: (onResponse, .failure(refused.error)), writes: cancel + self.admitWaiting())
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

    /// Closes the machine with `error`: returns the handlers of every outstanding and
    /// queued request, to fail with it; later submissions fail the same way.
    mutating func close(with error: TransportError) -> [ResponseHandler] {
        guard self.closedError == nil else {
            return []
        }
        self.closedError = error
        let failed = Array(self.inFlight.values) + self.waiting.map(\.onResponse)
        self.inFlight.removeAll()
        self.waiting.removeAll()
        return failed
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
