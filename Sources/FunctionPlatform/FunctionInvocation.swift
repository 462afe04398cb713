public import ChunkTransport

/// One running invocation of a function: the instance serving it and the way to reach it.
public protocol FunctionInvocation: Sendable {
    /// The function invoked.
    var function: String { get }
    /// The instance that runs the invocation; stable across the instance's invocations.
    var instanceID: UInt64 { get }
    /// Whether the platform started a new instance (with empty memory) for it.
    var isColdStart: Bool { get }
    /// Requests to the instance. Once the invocation has ended they fail with a
    /// `TransportError`; the instance does not return while it serves one, but if it is
    /// reclaimed, outstanding requests fail the same way.
    var transport: any FrameTransport { get }
    /// Whether the invocation is still running (not returned, not reclaimed).
    var isRunning: Bool { get }
    /// Asks the instance to return: now, or once the requests it is serving (including
    /// any that arrive meanwhile) have finished.
    func end()
}
