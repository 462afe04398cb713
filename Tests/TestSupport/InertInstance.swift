public import ChunkTransport
public import LocalFunctionPlatform

/// A platform instance that is only an identity, for driving the platform's state
/// machine: nothing calls into it.
public struct InertInstance: PlatformInstance {
    public init() {}
    public var connection: any FrameTransport { UnusedTransport() }
    public var chunkCount: Int? { nil }
    public var isAlive: Bool { true }
    public func setRunning(_ running: Bool, generation: UInt64) {}
    public func destroy() async {}
}
