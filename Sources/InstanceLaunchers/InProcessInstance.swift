import ChunkTransport
import ChunkTransportInProcess
import InfiniCacheNode
import LocalFunctionPlatform

final class InProcessInstance: PlatformInstance {
    let node: CacheNode
    private let link: InProcessTransport

    init(node: CacheNode, responder: any FrameResponder) {
        self.node = node
        self.link = InProcessTransport(to: responder)
    }

    var connection: any FrameTransport { self.link }
    var chunkCount: Int? { self.node.store.chunkCount }
    var isAlive: Bool { true }

    func setRunning(_ running: Bool, generation: UInt64) {}

    func destroy() async {
        self.node.store.removeAll()
        await self.link.close()
    }
}
