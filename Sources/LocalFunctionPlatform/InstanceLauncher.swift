public import ChunkTransport

/// Starts the instances of the ``LocalFunctionPlatform``: cache nodes in this process or
/// `infinicache-node` processes (the InstanceLaunchers module has both).
public protocol InstanceLauncher: Sendable {
    /// Starts a new instance of `function` with empty memory that holds `capacity` bytes,
    /// and returns once it is reachable.
    func launch(function: String, instance: UInt64, capacity: Int) async throws -> any PlatformInstance

    /// Releases what the launcher holds (a listening port); the platform calls it when it
    /// shuts down, after destroying every instance.
    func close() async
}

/// One running or stopped instance, as its launcher controls it.
public protocol PlatformInstance: Sendable {
    /// The connection to the instance, kept across its invocations.
    var connection: any FrameTransport { get }
    /// Chunks in the instance's memory, when the launcher can see inside it.
    var chunkCount: Int? { get }
    /// False once the instance died on its own (a process crashed, its connection
    /// closed): the platform then treats it as reclaimed.
    var isAlive: Bool { get }
    /// Stops the instance when its invocation returned (`running` false) or continues it
    /// when one starts (true). The platform calls it after releasing its lock, so calls
    /// can arrive out of order from different threads: `generation` grows with every
    /// change of one instance, and a call older than one already applied is ignored.
    func setRunning(_ running: Bool, generation: UInt64)
    /// The provider reclaims the instance: its memory is gone, its connection closed.
    func destroy() async
}
