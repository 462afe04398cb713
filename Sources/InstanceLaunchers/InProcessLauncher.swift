public import ChunkTransport
import ChunkTransportInProcess
public import InfiniCacheNode
public import LocalFunctionPlatform

/// Instances as `CacheNode`s in this process, reached through an `InProcessTransport`.
/// A stopped instance keeps running code (nothing is sent to it while stopped, because
/// the platform's invocation handles refuse requests).
public struct InProcessLauncher: InstanceLauncher {
    private let syncPageBytes: Int
    private let wrap: @Sendable (_ function: String, _ node: CacheNode) -> any FrameResponder

    /// Creates the launcher; its nodes send delta syncs in pages of `syncPageBytes`.
    /// `wrap` chooses what answers each instance's requests, given its function and its
    /// node: the node itself by default, or a responder around it — a straggler that
    /// delays every response, in tests.
    public init(
        syncPageBytes: Int = 16 << 20,
        wrap: @escaping @Sendable (_ function: String, _ node: CacheNode) -> any FrameResponder = { $1 }
    ) {
        self.syncPageBytes = syncPageBytes
        self.wrap = wrap
    }

    public func launch(function: String, instance: UInt64, capacity: Int) async throws -> any PlatformInstance {
        let node = CacheNode(capacity: capacity, syncPageBytes: self.syncPageBytes)
        return InProcessInstance(node: node, responder: self.wrap(function, node))
    }

    public func close() async {}
}
