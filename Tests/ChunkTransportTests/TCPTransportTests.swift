import ChunkTransport
import ChunkTransportTCP
import ChunkWire
import NIOCore
import TestSupport
import Testing

@Suite("TCP transport")
struct TCPTransportTests {
    @Test("a node dials out, registers with its hello, and serves the proxy's requests")
    func registerAndServe() async throws {
        let pair = try await LoopbackPair.start(responder: TestResponder())
        #expect(pair.node.hello.functionID == "node-0")
        #expect(pair.node.hello.memoryCapacity == 1 << 30)
        let response = try await pair.node.connection.request(getRequest("hello-key"))
        #expect(response.opcode == .chunkData)
        #expect(response.payload == ByteBuffer(string: "hello-key"))

        var parts = 0
        for try await part in pair.node.connection.send(getRequest("s", streaming: 5)) {
            #expect(part.payload.getString(at: part.payload.readerIndex, length: 1) == "s")
            parts += 1
        }
        #expect(parts == 5)
        await pair.stop()
    }

    @Test("a large payload crosses the connection intact")
    func largePayload() async throws {
        let pair = try await LoopbackPair.start(responder: TestResponder())
        let payload = ByteBuffer(bytes: randomBytes(count: 8 << 20, seed: 11))
        let response = try await pair.node.connection.request(Frame(.putChunk, key: ByteBuffer(string: "big"), payload: payload))
        #expect(response.payload == payload)
        await pair.stop()
    }

    @Test("1,000 concurrent requests on one connection; cancelling half leaves the rest correct")
    func multiplexing() async throws {
        let pair = try await LoopbackPair.start(responder: TestResponder(delay: .milliseconds(20)))
        let connection = pair.node.connection
        let results = try await withThrowingTaskGroup(of: (Int, String?).self) { group in
            var waiters: [Int: Task<String?, any Error>] = [:]
            for index in 0..<1000 {
                waiters[index] = Task {
                    let response = try await connection.request(getRequest("key-\(index)"))
                    return response.payload.getString(at: response.payload.readerIndex, length: response.payload.readableBytes)
                }
            }
            for index in stride(from: 1, to: 1000, by: 2) {
                waiters[index]!.cancel()
            }
            for (index, waiter) in waiters {
                group.addTask {
                    do {
                        return (index, try await waiter.value)
                    } catch {
                        #expect(index % 2 == 1, "only cancelled requests may fail: \(error)")
                        return (index, nil)
                    }
                }
            }
            var results: [Int: String?] = [:]
            for try await (index, value) in group {
                results[index] = value
            }
            return results
        }
        for index in stride(from: 0, to: 1000, by: 2) {
            #expect(results[index] == "key-\(index)")
        }
        for index in stride(from: 1, to: 1000, by: 2) {
            if let value = results[index] ?? nil {
                #expect(value == "key-\(index)", "a cancelled request that still finished has its own payload")
            }
        }
        let after = try await connection.request(getRequest("after"))
        #expect(after.payload == ByteBuffer(string: "after"))
        await pair.stop()
    }

    @Test("requests beyond the in-flight limit wait their turn and all complete")
    func queueing() async throws {
        let configuration = TransportConfiguration(limits: WireLimits(maximumRequestsInFlight: 4))
        let pair = try await LoopbackPair.start(responder: TestResponder(delay: .milliseconds(5)), configuration: configuration)
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                group.addTask {
                    let response = try await pair.node.connection.request(getRequest("q\(index)"))
                    #expect(response.payload == ByteBuffer(string: "q\(index)"))
                }
            }
            try await group.waitForAll()
        }
        await pair.stop()
    }

    @Test("a client reaches a frame server the same way")
    func clientToServer() async throws {
        let server = try await FrameServer.bind(responder: TestResponder())
        let client = try await FrameClient.connect(host: "127.0.0.1", port: server.port)
        let response = try await client.request(getRequest("via-proxy"))
        #expect(response.payload == ByteBuffer(string: "via-proxy"))
        await client.close()
        await #expect(throws: TransportError.self) { try await client.request(getRequest("closed")) }
        await server.close()
    }
}
