public import ChunkWire
import Synchronization

/// The responses to one request, in the order the responder sent them. The sequence ends
/// after the response without ``FrameFlags/more``; it throws a ``TransportError`` if the
/// connection fails first, or a ``WireError`` with code `checksumMismatch` if a response's
/// payload is corrupt (that request only). Ending iteration early — or cancelling the task
/// that iterates — cancels the request and frees its resources at once.
public typealias FrameResponses = AsyncThrowingStream<Frame, any Error>

/// Receives the responses to a request sent with ``NodeTransport/send(_:onResponse:)``:
/// each response in order, the last one without ``FrameFlags/more``; or, instead of the
/// rest, one failure (the errors ``FrameResponses`` throws). A request ends with its last
/// response or its failure; a handler ignores anything that might race past that end (a
/// close meeting a response on its way), as it ignores what arrives after it cancelled.
public typealias ResponseHandler = @Sendable (Result<Frame, any Error>) -> Void

/// How the proxy talks to one cache node (and a client to a proxy): many requests in
/// flight at once, each with its own stream of responses, each cancellable.
///
/// Conform to plug in another transport. The semantics every implementation keeps:
/// - ``send(_:)`` assigns the request a fresh request id (the caller's is ignored);
/// - responses arrive with that id and end with one that lacks ``FrameFlags/more``;
/// - cancelling a request stops delivery immediately and tells the responder to drop it;
/// - ``close()`` or a lost connection fails every outstanding request promptly with a
///   ``TransportError``, and later sends fail the same way.
public protocol NodeTransport: Sendable {
    /// Sends `request` and returns its responses as they arrive.
    func send(_ request: Frame) -> FrameResponses

    /// Sends `request` and hands each response to `onResponse` as it arrives, on a thread
    /// of the transport's (so the handler must be quick and never block). This is the
    /// cheap way to fan requests out: no task and no thread hop per response. Cancelling
    /// the returned ``PendingRequest`` stops delivery promptly (a response already on its
    /// way may still arrive) and tells the responder to drop the request.
    ///
    /// The default implementation reads ``send(_:)`` in a task of its own (see
    /// `deliver(to:)`); the TCP, in-process and function transports deliver straight from
    /// where responses arrive.
    func send(_ request: Frame, onResponse: @escaping ResponseHandler) -> PendingRequest

    /// Closes the connection; outstanding and later requests fail with
    /// ``TransportError/Code-swift.struct/connectionClosed``.
    func close() async
}

/// A request sent with ``NodeTransport/send(_:onResponse:)``, to cancel it by.
public struct PendingRequest: Sendable {
    private let onCancel: @Sendable () -> Void

    /// Creates a handle that runs `onCancel` when cancelled. Transports create handles;
    /// their users only cancel them.
    public init(onCancel: @escaping @Sendable () -> Void) {
        self.onCancel = onCancel
    }

    /// Stops delivery promptly and tells the responder to drop the request. Harmless
    /// after the last response, and when repeated.
    public func cancel() {
        self.onCancel()
    }
}

extension NodeTransport {
    public func send(_ request: Frame, onResponse: @escaping ResponseHandler) -> PendingRequest {
        self.send(request).deliver(to: onResponse)
    }

    /// Sends a request that has exactly one response and hands it — or the request's
    /// failure — to `onAnswer`, once, where it arrives (as with
    /// ``send(_:onResponse:)``). If the responder streams more than one, the rest are
    /// ignored.
    public func request(_ frame: Frame, onAnswer: @escaping ResponseHandler) -> PendingRequest {
        let answered = Mutex(false)
        return self.send(frame) { result in
            let isFirst = answered.withLock { answered in
                defer { answered = true }
                return !answered
            }
            if isFirst {
                onAnswer(result)
            }
        }
    }

    /// Sends a request that has exactly one response and returns it. If the responder
    /// streams more than one, the first is returned and the rest are cancelled.
    public func request(_ frame: Frame) async throws -> Frame {
        for try await response in self.send(frame) {
            return response
        }
        throw TransportError(.connectionClosed, "the response stream ended without a response")
    }
}

extension AsyncThrowingStream where Element == Frame, Failure == any Error {
    /// Reads these responses in a task of its own and hands each to `onResponse`, as
    /// ``NodeTransport/send(_:onResponse:)`` does; a stream that ends without its final
    /// response is reported as a failure (unless the returned request was cancelled).
    /// Cancelling the returned request cancels the task, which ends the iteration.
    public func deliver(to onResponse: @escaping ResponseHandler) -> PendingRequest {
        let task = Task {
            do {
                for try await response in self {
                    onResponse(.success(response))
                    if !response.flags.contains(.more) {
                        return
                    }
                }
                if !Task.isCancelled {
                    onResponse(.failure(TransportError(.connectionClosed, "the response stream ended without a final response")))
                }
            } catch {
                onResponse(.failure(error))
            }
        }
        return PendingRequest { task.cancel() }
    }

    /// The responses that `send` hands to its ``ResponseHandler``, as a stream; ending
    /// iteration early cancels the request. Transports that deliver by callback build
    /// their ``NodeTransport/send(_:)`` on this.
    public static func relaying(_ send: (@escaping ResponseHandler) -> PendingRequest) -> Self {
        let (stream, continuation) = Self.makeStream()
        let pending = send { result in
            switch result {
            case .success(let response):
                continuation.yield(response)
                if !response.flags.contains(.more) {
                    continuation.finish()
                }
            case .failure(let error):
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { termination in
            if case .cancelled = termination {
                pending.cancel()
            }
        }
        return stream
    }
}
