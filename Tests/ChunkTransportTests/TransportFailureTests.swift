import ChunkTransport
import ChunkTransportInProcess
import ChunkTransportTCP
import ChunkWire
import NIOCore
import NIOPosix
import Synchronization
import TestSupport
import Testing

/// A responder that corrupts its answers' checksums, to play a node with bad memory.
private struct CorruptingResponder: FrameResponder {
    func respond(to request: Frame, replies: ReplySink) {
        let checksum: UInt32? = request.key == ByteBuffer(string: "corrupt") ? 0xBAD : nil
        replies.post(Frame(.chunkData, payload: ByteBuffer(string: "payload"), payloadChecksum: checksum))
    }
}

private func errorCode(of frames: [Frame]) -> ErrorMessage.Code? {
    frames.first { $0.opcode == .error }.flatMap { try? ErrorMessage(from: $0).code }
}

@Suite("Transport failures")
struct TransportFailureTests {
    @Test("a hello with the wrong token is rejected; other nodes are unaffected")
    func wrongToken() async throws {
        let pair = try await LoopbackPair.start(responder: TestResponder())
        let impostor = HelloMessage(functionID: "evil", instanceID: 9, memoryCapacity: 1, token: Array("guess".utf8))
        await #expect {
            _ = try await NodeSession.connect(host: "127.0.0.1", port: pair.listener.port, hello: impostor, responder: TestResponder())
        } throws: { error in
            (error as? TransportError)?.code == .rejected
        }
        let raw = try await RawPeer.connect(port: pair.listener.port)
        #expect(errorCode(of: try await raw.exchange(try WireFormat.contiguousBytes(of: impostor.frame()))) == .unauthorized)
        #expect(try await pair.node.connection.request(getRequest("still")).payload == ByteBuffer(string: "still"))
        await pair.stop()
    }

    @Test("garbage and oversized frames are refused with an error frame, per connection")
    func garbage() async throws {
        let pair = try await LoopbackPair.start(responder: TestResponder())
        let garbage = try await RawPeer.connect(port: pair.listener.port)
        #expect(errorCode(of: try await garbage.exchange(ByteBuffer(string: "GET / HTTP/1.1\r\n\r\n"))) == .protocolViolation)

        let server = try await FrameServer.bind(responder: TestResponder())
        var oversized = try WireFormat.contiguousBytes(of: getRequest("x"))
        oversized.setInteger(UInt32(1 << 30), at: 28, endianness: .little)
        oversized.moveWriterIndex(to: WireFormat.headerLength)
        let raw = try await RawPeer.connect(port: server.port)
        #expect(errorCode(of: try await raw.exchange(oversized)) == .protocolViolation)

        let client = try await FrameClient.connect(host: "127.0.0.1", port: server.port)
        #expect(try await client.request(getRequest("fine")).payload == ByteBuffer(string: "fine"))
        #expect(try await pair.node.connection.request(getRequest("fine")).payload == ByteBuffer(string: "fine"))
        await client.close()
        await server.close()
        await pair.stop()
    }

    @Test("a corrupt response payload fails that request only")
    func corruptResponse() async throws {
        let pair = try await LoopbackPair.start(responder: CorruptingResponder())
        await #expect {
            _ = try await pair.node.connection.request(Frame(.getChunk, key: ByteBuffer(string: "corrupt")))
        } throws: { error in
            (error as? WireError)?.code == .checksumMismatch
        }
        #expect(try await pair.node.connection.request(Frame(.getChunk, key: ByteBuffer(string: "fine"))).opcode == .chunkData)
        await pair.stop()
    }

    @Test("a request with a corrupt payload is answered with a checksumMismatch error")
    func corruptRequest() async throws {
        let pair = try await LoopbackPair.start(responder: TestResponder())
        let bad = Frame(.putChunk, key: ByteBuffer(string: "k"), payload: ByteBuffer(string: "data"), payloadChecksum: 1)
        let response = try await pair.node.connection.request(bad)
        #expect(try ErrorMessage(from: response).code == .checksumMismatch)
        #expect(try await pair.node.connection.request(getRequest("next")).payload == ByteBuffer(string: "next"))
        await pair.stop()
    }

    @Test("a responder at its in-flight limit answers the excess with overloaded")
    func overloaded() async throws {
        let configuration = TransportConfiguration(limits: WireLimits(maximumRequestsInFlight: 2))
        let server = try await FrameServer.bind(responder: TestResponder(), configuration: configuration)
        var requests = ByteBuffer()
        for id in 1...3 {
            // Deletes wait until cancelled, so the first two hold their slots.
            try WireFormat.writeHeaderAndKey(of: Frame(.delete, requestID: UInt64(id), key: ByteBuffer(string: "k")), to: &requests)
        }
        let raw = try await RawPeer.connect(port: server.port)
        let frames = try await raw.exchange(requests, readingFrames: 1)
        #expect(frames.first?.requestID == 3)
        #expect(errorCode(of: frames) == .overloaded)
        await server.close()
    }

    @Test("a node that vanishes mid-transfer fails its outstanding requests promptly")
    func nodeVanishes() async throws {
        let (listener, registrations) = try await registeringListener()
        let hello = HelloMessage(functionID: "fragile", instanceID: 1, memoryCapacity: 1 << 20, token: LoopbackPair.token)
        let raw = try await RawPeer.connect(port: listener.port, greeting: try WireFormat.contiguousBytes(of: hello.frame()))
        let fakeNode = Task {
            try await raw.channel.executeThenClose { inbound, outbound in
                var received = ByteBuffer()
                for try await bytes in inbound {
                    received.writeImmutableBuffer(bytes)
                    while let frame = try FrameParser().parse(&received) {
                        guard frame.opcode == .getChunk else { continue }
                        let answer = Frame(.chunkData, requestID: frame.requestID, payload: ByteBuffer(repeating: 1, count: 1 << 20))
                        let wire = try WireFormat.contiguousBytes(of: answer)
                        try await outbound.write(wire.getSlice(at: 0, length: wire.readableBytes / 2)!)
                        return
                    }
                }
            }
        }
        let node = try await firstRegistration(registrations)
        let start = ContinuousClock.now
        await #expect {
            _ = try await node.connection.request(getRequest("lost"))
        } throws: { error in
            (error as? TransportError) != nil
        }
        #expect(ContinuousClock.now - start < .seconds(5))
        try await fakeNode.value
        await listener.close()
    }

    @Test("a node that stops answering is declared dead by the liveness check")
    func nodeFreezes() async throws {
        let configuration = TransportConfiguration(pingInterval: .milliseconds(100), livenessTimeout: .milliseconds(400))
        let (listener, registrations) = try await registeringListener(configuration: configuration)
        let hello = HelloMessage(functionID: "frozen", instanceID: 1, memoryCapacity: 1 << 20, token: LoopbackPair.token)
        let raw = try await RawPeer.connect(port: listener.port, greeting: try WireFormat.contiguousBytes(of: hello.frame()))
        let fakeNode = Task {
            // Says hello, then reads and never answers, not even pings.
            _ = try? await raw.exchange(nil)
        }
        let node = try await firstRegistration(registrations)
        let start = ContinuousClock.now
        await #expect {
            _ = try await node.connection.request(getRequest("anyone?"))
        } throws: { error in
            (error as? TransportError)?.code == .timedOut
        }
        #expect(ContinuousClock.now - start < .seconds(3))
        _ = await fakeNode.result
        await listener.close()
    }

    @Test("a request whose key is over the limit gets an error frame for that request; the connection goes on")
    func keyTooLongKeepsTheConnection() async throws {
        let server = try await FrameServer.bind(responder: TestResponder())
        let raw = try await RawPeer.connect(port: server.port)
        var requests = try WireFormat.contiguousBytes(of: Frame(.getChunk, requestID: 1, key: ByteBuffer(repeating: 1, count: 1025)))
        requests.writeImmutableBuffer(try WireFormat.contiguousBytes(of: getRequest("next").withRequestID(2)))
        let answers = try await raw.exchange(requests, readingFrames: 2)
        #expect(answers.map(\.requestID) == [1, 2])
        #expect(answers.first.map { try? ErrorMessage(from: $0).code } == .limitExceeded)
        #expect(answers.last?.payload == ByteBuffer(string: "next"))
        await server.close()
    }

    @Test("a sender refuses a request over its limits before sending it, in process and over TCP", arguments: CallbackWiring.allCases)
    func senderRefuses(wiring: CallbackWiring) async throws {
        let transport: any FrameTransport
        let stop: @Sendable () async -> Void
        switch wiring {
        case .inProcess:
            let inProcess = InProcessTransport(to: TestResponder())
            (transport, stop) = (inProcess, { await inProcess.close() })
        case .tcp:
            let pair = try await LoopbackPair.start(responder: TestResponder())
            (transport, stop) = (pair.node.connection, { await pair.stop() })
        }
        await #expect {
            _ = try await transport.request(Frame(.getChunk, key: ByteBuffer(repeating: 1, count: 1025)))
        } throws: { error in
            (error as? WireError)?.code == .keyTooLong
        }
        #expect(try await transport.request(getRequest("after")).payload == ByteBuffer(string: "after"))
        await stop()
    }

    @Test("a client that stalls in the middle of a frame is dropped after the frame timeout")
    func stalledClient() async throws {
        let server = try await FrameServer.bind(responder: TestResponder(), configuration: TransportConfiguration(frameTimeout: .milliseconds(300)))
        let raw = try await RawPeer.connect(port: server.port)
        let frame = try WireFormat.contiguousBytes(of: Frame(.putChunk, requestID: 1, payload: ByteBuffer(repeating: 1, count: 1 << 20)))
        let start = ContinuousClock.now
        let answers = try await raw.exchange(frame.getSlice(at: 0, length: 10_000)!)
        #expect(errorCode(of: answers) == .protocolViolation)
        #expect(ContinuousClock.now - start < .seconds(5))
        await server.close()
    }

    @Test("a requester that never reads its answers is dropped at the output limit instead of being buffered for")
    func neverReads() async throws {
        let responder = BulkResponder()
        let configuration = TransportConfiguration(outputLimit: 8 << 20)
        let server = try await FrameServer.bind(responder: responder, configuration: configuration)
        // A peer that sends requests and never reads: its receive window fills, then the
        // server's socket buffer, then the server's outbound buffer.
        let peer = try await ClientBootstrap(group: NIOSingletons.posixEventLoopGroup)
            .channelOption(.autoRead, value: false)
            .connect(host: "127.0.0.1", port: server.port).get()
        var requests = ByteBuffer()
        for id in 1...300 {
            requests.writeImmutableBuffer(try WireFormat.contiguousBytes(of: Frame(.getChunk, requestID: UInt64(id), key: ByteBuffer(string: "k"))))
        }
        try await peer.writeAndFlush(requests).get()
        let deadline = ContinuousClock.now + .seconds(10)
        while responder.cancelled.withLock({ $0 }) == 0, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        // Within 10 s, so by the output limit and not the (60 s) stall timeout.
        #expect(responder.cancelled.withLock { $0 } > 0, "the server dropped the connection and cancelled what it was answering")
        try? await peer.close()
        await server.close()
    }

    @Test("a frame under way while the responder has stopped reading is not a stall of the peer's")
    func pausedFrame() async throws {
        let responder = FloodResponder()
        let configuration = TransportConfiguration(frameTimeout: .milliseconds(300), outputLimit: nil, outputStallTimeout: nil)
        let server = try await FrameServer.bind(responder: responder, configuration: configuration)
        let peer = try await ClientBootstrap(group: NIOSingletons.posixEventLoopGroup)
            .channelOption(.autoRead, value: false)
            .connect(host: "127.0.0.1", port: server.port).get()
        // 32 MiB of answers the peer does not read stop the server reading; the start of
        // a frame sent with the request is then under way while nothing more is read.
        var bytes = try WireFormat.contiguousBytes(of: Frame(.getChunk, requestID: 1, key: ByteBuffer(string: "k")))
        let unfinished = try WireFormat.contiguousBytes(of: Frame(.putChunk, requestID: 2, payload: ByteBuffer(repeating: 1, count: 1 << 20)))
        bytes.writeImmutableBuffer(unfinished.getSlice(at: 0, length: 4096)!)
        try await peer.writeAndFlush(bytes).get()
        try await Task.sleep(for: .milliseconds(1500))
        #expect(responder.cancelled.withLock { $0 } == 0, "five frame timeouts later the connection is still up")
        try? await peer.close()
        await server.close()
    }

    @Test("a requester that stops reading is dropped after the output stall timeout, far below any output limit")
    func stopsReading() async throws {
        let responder = FloodResponder()
        let configuration = TransportConfiguration(outputLimit: nil, outputStallTimeout: .milliseconds(300))
        let server = try await FrameServer.bind(responder: responder, configuration: configuration)
        let peer = try await ClientBootstrap(group: NIOSingletons.posixEventLoopGroup)
            .channelOption(.autoRead, value: false)
            .connect(host: "127.0.0.1", port: server.port).get()
        try await peer.writeAndFlush(try WireFormat.contiguousBytes(of: Frame(.getChunk, requestID: 1, key: ByteBuffer(string: "k")))).get()
        try await poll(attempts: 500, every: .milliseconds(20)) { responder.cancelled.withLock { $0 } > 0 }
        #expect(responder.cancelled.withLock { $0 } == 1, "the server dropped the connection and cancelled the answer under way")
        try? await peer.close()
        await server.close()
    }
}

/// Answers a request at once, on the connection's event loop, with 32 responses of 1 MiB
/// (more than the sockets between two peers hold) and no final one, and counts the
/// requests cancelled.
private final class FloodResponder: FrameResponder {
    let cancelled = Mutex(0)

    func respond(to request: Frame, replies: ReplySink) {
        replies.onCancel { self.cancelled.withLock { $0 += 1 } }
        for part in 0..<32 {
            replies.post(Frame(.chunkData, payload: ByteBuffer(repeating: UInt8(part), count: 1 << 20)), final: false)
        }
    }
}

/// Answers every request with 8 responses of 1 MiB, waiting for room before each, and
/// counts the requests answered in full and the ones cancelled part-way.
private final class BulkResponder: FrameResponder {
    let answered = Mutex(0)
    let cancelled = Mutex(0)

    func respond(to request: Frame, replies: ReplySink) {
        replies.run { replies in
            do {
                for part in 0..<8 {
                    try Task.checkCancellation()
                    try await replies.send(Frame(.chunkData, payload: ByteBuffer(repeating: UInt8(part), count: 1 << 20)), final: part == 7)
                }
                self.answered.withLock { $0 += 1 }
            } catch {
                self.cancelled.withLock { $0 += 1 }
                throw error
            }
        }
    }
}
