public import ChunkTransport
public import ChunkWire

/// A transport for state-machine tests, which hand transports around but never send:
/// every request fails at once.
public struct UnusedTransport: FrameTransport {
    public init() {}

    public func send(_ request: Frame, onResponse: @escaping ResponseHandler) -> PendingRequest {
        onResponse(.failure(TransportError(.connectionClosed, "state-machine tests send nothing")))
        return PendingRequest {}
    }

    public func close() async {}
}
