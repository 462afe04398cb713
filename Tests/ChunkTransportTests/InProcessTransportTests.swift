import ChunkTransport
import ChunkTransportInProcess
import ChunkWire
import NIOCore
import Synchronization
import Testing

@Suite("In-process transport")
struct InProcessTransportTests {
    @Test("requests get their own responses, streamed in order")
    func roundTrip() async throws {
        let transport = InProcessTransport(to: TestResponder())
        let response = try await transport.request(getRequest("alpha"))
        #expect(response.payload == ByteBuffer(string: "alpha"))
        #expect(response.requestID != 0)

        var parts: [Frame] = []
        for try await part in transport.send(getRequest("beta", streaming: 3)) {
            parts.append(part)
        }
        #expect(parts.count == 3)
        #expect(parts.map { $0.flags.contains(.more) } == [true, true, false])
        #expect(transport.outstandingRequests == 0)
    }

    @Test("payload buffers pass through without a copy")
    func noCopy() async throws {
        let transport = InProcessTransport(to: TestResponder())
        let payload = ByteBuffer(repeating: 7, count: 1 << 20)
        let response = try await transport.request(Frame(.putChunk, payload: payload))
        let sent = payload.withUnsafeReadableBytes { UnsafeRawPointer($0.baseAddress) }
        let received = response.payload.withUnsafeReadableBytes { UnsafeRawPointer($0.baseAddress) }
        #expect(sent == received)
    }

    @Test("cancelling the consuming task cancels the responder's work at once")
    func cancellation() async throws {
        let responder = TestResponder()
        let transport = InProcessTransport(to: responder)
        let waiter = Task {
            for try await _ in transport.send(Frame(.delete, key: ByteBuffer(string: "k"))) {}
        }
        while responder.served.withLock({ $0 }) == 0 {
            await Task.yield()
        }
        waiter.cancel()
        _ = await waiter.result
        try await waitUntil { responder.cancellations.withLock { $0 } == 1 }
        try await waitUntil { transport.outstandingRequests == 0 }
    }

    @Test("closing fails outstanding and later requests with connectionClosed")
    func close() async throws {
        let transport = InProcessTransport(to: TestResponder())
        let pending = Task { try await transport.request(Frame(.delete, key: ByteBuffer(string: "k"))) }
        try await waitUntil { transport.outstandingRequests == 1 }
        await transport.close()
        await #expect(throws: TransportError.self) { try await pending.value }
        await #expect(throws: TransportError.self) { try await transport.request(getRequest("late")) }
    }

    @Test("a responder's thrown ErrorMessage arrives as an error frame")
    func errorFrame() async throws {
        let response = try await InProcessTransport(to: TestResponder()).request(Frame(.invoke))
        #expect(response.opcode == .error)
        #expect(try ErrorMessage(from: response).code == .badRequest)
    }
}

/// Polls `condition` every 10 ms for up to 5 seconds.
func waitUntil(_ condition: () -> Bool) async throws {
    let deadline = ContinuousClock.now + .seconds(5)
    while !condition() {
        guard ContinuousClock.now < deadline else {
            Issue.record("condition not met within 5 seconds")
            return
        }
        try await Task.sleep(for: .milliseconds(10))
    }
}
