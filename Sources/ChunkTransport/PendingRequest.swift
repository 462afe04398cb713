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
