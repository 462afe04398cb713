import ChunkTransport
import ChunkWire
import NIOCore
import Testing

// The README's transport snippets, kept compiling and correct here.

private struct EchoNode: FrameResponder {
    func respond(to request: Frame, replies: ReplySink) async throws {
        try await replies.send(Frame(.chunkData, payload: request.payload, payloadChecksum: request.payloadChecksum))
    }
}

/// Delays every request by a fixed time: a straggler, for tests of first-d reads.
private struct DelayedTransport: NodeTransport {
    let base: any NodeTransport
    let delay: Duration

    func send(_ request: Frame) -> FrameResponses {
        let (responses, continuation) = FrameResponses.makeStream()
        let task = Task {
            do {
                try await Task.sleep(for: self.delay)
                for try await response in self.base.send(request) {
                    continuation.yield(response)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { _ in task.cancel() }
        return responses
    }

    func close() async {
        await self.base.close()
    }
}

@Suite("README transport examples")
struct ReadmeTransportExampleTests {
    @Test("a node dials out, registers, and answers the proxy")
    func tcpSnippet() async throws {
        let token = Array("shared-secret".utf8)
        let listener = try await NodeListener.bind(port: 0, token: token)
        let session = try await NodeSession.connect(
            host: "127.0.0.1",
            port: listener.port,
            hello: HelloMessage(functionID: "node-1", instanceID: 1, memoryCapacity: 1 << 30, token: token),
            responder: EchoNode()
        )
        var registrations = listener.nodes.makeAsyncIterator()
        let node = try #require(await registrations.next())
        let reply = try await node.connection.request(Frame(.putChunk, key: ByteBuffer(string: "k"), payload: ByteBuffer(string: "chunk")))
        #expect(reply.payload == ByteBuffer(string: "chunk"))
        await node.connection.close()
        await session.close()
        await listener.close()
    }

    @Test("a custom transport plugs in by conforming to NodeTransport")
    func customTransport() async throws {
        let straggler = DelayedTransport(base: InProcessTransport(to: EchoNode()), delay: .milliseconds(50))
        let start = ContinuousClock.now
        let reply = try await straggler.request(Frame(.putChunk, payload: ByteBuffer(string: "late")))
        #expect(reply.payload == ByteBuffer(string: "late"))
        #expect(ContinuousClock.now - start >= .milliseconds(50))

        let abandoned = Task { try await straggler.request(Frame(.putChunk, payload: ByteBuffer(string: "never"))) }
        abandoned.cancel()
        await #expect(throws: (any Error).self) { try await abandoned.value }
    }
}
