@testable import ChunkTransport
import ChunkWire
import NIOCore
import Testing

@Suite("Request multiplexer")
struct RequestMultiplexerTests {
    /// A request, the stream its responses reach, and the handler the multiplexer feeds.
    private func request(_ id: UInt64) -> (Frame, FrameResponses, ResponseHandler) {
        var handler: ResponseHandler?
        let stream = FrameResponses.relaying { onResponse in
            handler = onResponse
            return PendingRequest {}
        }
        return (Frame(.getChunk, requestID: id), stream, handler!)
    }

    @Test("requests beyond the limit queue and are admitted as others finish")
    func queueing() async throws {
        var multiplexer = RequestMultiplexer(limit: 1, verifiesPayloadChecksums: true)
        let (first, firstResponses, firstHandler) = self.request(1)
        let (second, _, secondHandler) = self.request(2)
        #expect(multiplexer.submit(first, onResponse: firstHandler)?.requestID == 1)
        #expect(multiplexer.submit(second, onResponse: secondHandler) == nil)
        #expect(multiplexer.waitingCount == 1)
        let admitted = multiplexer.receive(Frame(.chunkData, requestID: 1))
        #expect(admitted.map(\.requestID) == [2])
        var responses: [Frame] = []
        for try await response in firstResponses {
            responses.append(response)
        }
        #expect(responses.count == 1)
    }

    @Test("cancelling a sent request yields a cancel frame; late responses are dropped")
    func cancel() {
        var multiplexer = RequestMultiplexer(limit: 8, verifiesPayloadChecksums: true)
        let (frame, _, handler) = self.request(5)
        _ = multiplexer.submit(frame, onResponse: handler)
        let written = multiplexer.cancel(5)
        #expect(written.map(\.opcode) == [.cancel])
        #expect(written.first?.requestID == 5)
        #expect(multiplexer.receive(Frame(.chunkData, requestID: 5)).isEmpty)
        #expect(multiplexer.inFlightCount == 0)
    }

    @Test("closing fails in-flight, queued and later requests")
    func close() async {
        var multiplexer = RequestMultiplexer(limit: 1, verifiesPayloadChecksums: true)
        let streams = (1...3).map { id -> FrameResponses in
            let (frame, stream, handler) = self.request(UInt64(id))
            _ = multiplexer.submit(frame, onResponse: handler)
            return stream
        }
        multiplexer.close(with: TransportError(.connectionClosed, "test"))
        let (late, lateStream, lateHandler) = self.request(4)
        #expect(multiplexer.submit(late, onResponse: lateHandler) == nil)
        for stream in streams + [lateStream] {
            await #expect(throws: TransportError.self) {
                for try await _ in stream {}
            }
        }
    }
}
