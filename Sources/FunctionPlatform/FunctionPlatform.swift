public import ChunkTransport

/// Why the proxy invokes a function: the invocation's payload. The local platform uses it
/// to decide how the invocation ends (a serving one returns when idle; the others when
/// the proxy ends them).
public enum InvocationPayload: String, Sendable, Hashable, Codable {
    /// Serve the proxy's requests until idle.
    case serve
    /// Run briefly so that the provider keeps the instance.
    case warmUp
    /// Act as the backup instance in a delta sync.
    case backup
}

/// A serverless platform with the semantics of AWS Lambda that InfiniCache relies on.
///
/// - ``invoke(_:payload:)`` runs the function on an idle warm instance if there is one,
///   else cold-starts a new instance with empty memory; concurrent invocations of one
///   function run on distinct instances (this is how a function gets a backup peer).
/// - An instance runs from invocation until it returns; the platform meters the billed
///   duration, rounded up to its granularity, with the invocation count and memory size.
/// - The provider may reclaim an idle instance at any time; its memory is gone.
public protocol FunctionPlatform: Sendable {
    /// Invokes `function` and returns once the instance is running and reachable.
    ///
    /// - Throws: ``PlatformError`` if the function is unknown or cannot be started.
    func invoke(_ function: String, payload: InvocationPayload) async throws(PlatformError) -> any FunctionInvocation

    /// What every function has been billed for so far.
    func usage() -> [FunctionUsage]
}

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
