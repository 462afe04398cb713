package import ChunkWire

/// A request sent with ``FrameTransport/send(_:onResponse:)``, to cancel it by.
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

extension PendingRequest {
    /// For transports: a handle for a request that never left because it exceeds
    /// `limits` (its peer would refuse it) — `onResponse` has been failed with the
    /// `WireError` — or nil if the request is within them and should be sent.
    package static func refused(_ request: Frame, over limits: WireLimits, onResponse: ResponseHandler) -> PendingRequest? {
        do {
            try request.checkLimits(limits)
            return nil
        } catch {
            onResponse(.failure(error))
            return PendingRequest {}
        }
    }
}
