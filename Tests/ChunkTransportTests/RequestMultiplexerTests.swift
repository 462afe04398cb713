import ChunkTransport
@testable import ChunkTransportTCP
import ChunkWire
import NIOCore
import Synchronization
import Testing

/// What one request's handler received.
private final class Delivered: Sendable {
    let results = Mutex<[Result<Frame, any Error>]>([])

    @Sendable func take(_ result: Result<Frame, any Error>) {
        self.results.withLock { $0.append(result) }
    }

    var frames: Int { self.results.withLock { $0.count { (try? $0.get()) != nil } } }
    var failures: [any Error] {
        self.results.withLock { results in
            results.compactMap { if case .failure(let error) = $0 { error } else { nil } }
        }
    }
}

@Suite("Request multiplexer")
struct RequestMultiplexerTests {
    /// Hands the action's delivery over, as the requester handler does, and returns what
    /// it must write.
    private func perform(_ action: RequestMultiplexer.ReceiveAction) -> [Frame] {
        if let delivery = action.delivery {
            delivery.handler(delivery.result)
        }
        return action.writes
    }

    @Test("requests beyond the limit queue and are admitted as others finish")
    func queueing() {
        var multiplexer = RequestMultiplexer(limit: 1, verifiesPayloadChecksums: true)
        let first = Delivered()
        let second = Delivered()
        guard case .write(let written) = multiplexer.submit(Frame(.getChunk, requestID: 1), onResponse: first.take) else {
            Issue.record("the first request was not written")
            return
        }
        #expect(written.requestID == 1)
        guard case .queued = multiplexer.submit(Frame(.getChunk, requestID: 2), onResponse: second.take) else {
            Issue.record("the second request was not queued")
            return
        }
        #expect(multiplexer.waitingCount == 1)
        let admitted = self.perform(multiplexer.receive(Frame(.chunkData, requestID: 1)))
        #expect(admitted.map(\.requestID) == [2])
        #expect(first.frames == 1)
        #expect(second.frames == 0)
    }

    @Test("a response with more keeps its request in flight; the final one ends it")
    func streaming() {
        var multiplexer = RequestMultiplexer(limit: 8, verifiesPayloadChecksums: true)
        let delivered = Delivered()
        _ = multiplexer.submit(Frame(.getChunk, requestID: 3), onResponse: delivered.take)
        #expect(self.perform(multiplexer.receive(Frame(.chunkData, requestID: 3, flags: .more))).isEmpty)
        #expect(multiplexer.inFlightCount == 1)
        _ = self.perform(multiplexer.receive(Frame(.chunkData, requestID: 3)))
        #expect(multiplexer.inFlightCount == 0)
        #expect(delivered.frames == 2)
    }

    @Test("a corrupt streamed response fails its request and cancels the rest")
    func corrupt() {
        var multiplexer = RequestMultiplexer(limit: 8, verifiesPayloadChecksums: true)
        let delivered = Delivered()
        _ = multiplexer.submit(Frame(.getChunk, requestID: 4), onResponse: delivered.take)
        let written = self.perform(multiplexer.receive(Frame(.chunkData, requestID: 4, flags: .more, payload: ByteBuffer(string: "x"), payloadChecksum: 1)))
        #expect(written.map(\.opcode) == [.cancel])
        #expect(delivered.failures.count == 1)
        #expect(multiplexer.inFlightCount == 0)
    }

    @Test("cancelling a sent request yields a cancel frame; late responses are dropped")
    func cancel() {
        var multiplexer = RequestMultiplexer(limit: 8, verifiesPayloadChecksums: true)
        let delivered = Delivered()
        _ = multiplexer.submit(Frame(.getChunk, requestID: 5), onResponse: delivered.take)
        let written = multiplexer.cancel(5)
        #expect(written.map(\.opcode) == [.cancel])
        #expect(written.first?.requestID == 5)
        let late = multiplexer.receive(Frame(.chunkData, requestID: 5))
        #expect(late.delivery == nil && late.writes.isEmpty)
        #expect(multiplexer.inFlightCount == 0)
        #expect(delivered.frames == 0)
    }

    @Test("closing fails in-flight, queued and later requests")
    func close() {
        var multiplexer = RequestMultiplexer(limit: 1, verifiesPayloadChecksums: true)
        for id in 1...3 {
            _ = multiplexer.submit(Frame(.getChunk, requestID: UInt64(id)), onResponse: { _ in })
        }
        let silence = TransportError(.timedOut, "no frame from the peer")
        #expect(multiplexer.close(with: silence).count == 3)
        let closed = multiplexer.close(with: TransportError(.connectionClosed, "the handler was removed"))
        #expect(closed.isEmpty, "closing twice fails nothing twice")
        guard case .fail(_, let failure) = multiplexer.submit(Frame(.getChunk, requestID: 4), onResponse: { _ in }) else {
            Issue.record("a request after the close was not failed")
            return
        }
        #expect(failure.code == .timedOut, "later requests learn why the connection ended first")
    }
}
