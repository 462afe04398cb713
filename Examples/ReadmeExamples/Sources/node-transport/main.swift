import ChunkTransport
import ChunkTransportTCP
import ChunkWire
import NIOCore
import Synchronization

struct EchoNode: FrameResponder {                  // the node's request handler
    func respond(to request: Frame, replies: ReplySink) {
        replies.post(Frame(.chunkData, payload: request.payload, payloadChecksum: request.payloadChecksum))
    }
}

let token = Array("shared-secret".utf8)
let registered = Mutex<RegisteredNode?>(nil)
let listener = try await NodeListener.bind(port: 0, token: token) { node in   // proxy: node port
    registered.withLock { $0 = node }             // runs before the node is welcomed
}
let session = try await NodeSession.connect(      // node: dials out, says hello
    host: "127.0.0.1", port: listener.port,
    hello: HelloMessage(functionID: "node-1", instanceID: 1, memoryCapacity: 1 << 30, token: token),
    responder: EchoNode())
let node = registered.withLock { $0 }!            // RegisteredNode: hello + connection
let reply = try await node.connection.request(
    Frame(.putChunk, key: ByteBuffer(string: "k"), payload: ByteBuffer(string: "chunk")))
precondition(reply.payload == ByteBuffer(string: "chunk"))
await node.connection.close()
await session.close()
await listener.close()
