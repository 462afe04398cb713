public import ChunkTransport
import ChunkWire
import InfiniCacheNode

/// Starts the instances of the ``LocalFunctionPlatform``: cache nodes in this process
/// (``InProcessLauncher``), or `infinicache-node` processes (`ProcessLauncher` in
/// InfiniCacheCluster).
public protocol InstanceLauncher: Sendable {
    /// Starts a new instance of `function` with empty memory that holds `capacity` bytes
    /// (answering every request `respondDelay` late when given), and returns once it is
    /// reachable.
    func launch(function: String, instance: UInt64, capacity: Int, respondDelay: Duration?) async throws -> any PlatformInstance
}

/// One running or frozen instance, as its launcher controls it.
public protocol PlatformInstance: Sendable {
    /// The connection to the instance, kept across its invocations.
    var connection: any NodeTransport { get }
    /// Chunks in the instance's memory, when the launcher can see inside it.
    var chunkCount: Int? { get }
    /// False once the instance died on its own (a process crashed, its connection
    /// closed): the platform then treats it as reclaimed.
    var isAlive: Bool { get }
    /// The invocation returned: the instance stops running until ``thaw()``.
    func freeze()
    /// An invocation starts on the instance.
    func thaw()
    /// The provider reclaims the instance: its memory is gone, its connection closed.
    func destroy() async
}

/// Instances as ``CacheNode``s in this process, reached through an ``InProcessTransport``.
/// A frozen instance keeps running code (nothing is sent to it while frozen, because the
/// platform's invocation handles refuse requests).
public struct InProcessLauncher: InstanceLauncher {
    private let syncPageBytes: Int

    /// Creates the launcher; its nodes send delta syncs in pages of `syncPageBytes`.
    public init(syncPageBytes: Int = 16 << 20) {
        self.syncPageBytes = syncPageBytes
    }

    public func launch(function: String, instance: UInt64, capacity: Int, respondDelay: Duration?) async throws -> any PlatformInstance {
        InProcessInstance(node: CacheNode(capacity: capacity, syncPageBytes: self.syncPageBytes), respondDelay: respondDelay)
    }
}

final class InProcessInstance: PlatformInstance {
    let node: CacheNode
    private let link: InProcessTransport

    init(node: CacheNode, respondDelay: Duration?) {
        self.node = node
        self.link = InProcessTransport(to: respondDelay.map { DelayedResponder(base: node, delay: $0) } ?? node)
    }

    var connection: any NodeTransport { self.link }
    var chunkCount: Int? { self.node.store.chunkCount }
    var isAlive: Bool { true }

    func freeze() {}
    func thaw() {}

    func destroy() async {
        self.node.store.removeAll()
        await self.link.close()
    }
}
