import ChunkWire
import LocalFunctionPlatform
import NIOCore
import TestSupport
import Testing

@Suite("Decoder robustness")
struct RobustnessTests {
    /// Feeds `bytes` to a parser until it needs more input or rejects it; every outcome but
    /// a crash or a frame that claims more bytes than it consumed is acceptable.
    private func exercise(_ bytes: ByteBuffer, limits: WireLimits) -> (frames: Int, rejected: Bool) {
        var buffer = bytes
        let parser = FrameParser(limits: limits)
        var frames = 0
        do {
            while let frame = try parser.parse(&buffer) {
                frames += 1
                #expect(frame.key.readableBytes <= limits.maximumKeyLength)
                #expect(frame.payload.readableBytes <= limits.maximumPayloadLength)
                _ = try? HelloMessage(from: frame)
                _ = try? ErrorMessage(from: frame)
            }
            return (frames, false)
        } catch {
            return (frames, true)
        }
    }

    @Test("100,000 random and mutated frames never crash the parser")
    func randomAndMutatedFrames() async throws {
        var generator = SplitMix64(seed: 2026)
        let limits = WireLimits(maximumKeyLength: 64, maximumPayloadLength: 512)
        var parsed = 0
        var rejected = 0
        for iteration in 0..<100_000 {
            // Seconds of work in a debug build: let the other tests' tasks run meanwhile
            // (the concurrency pool has as many threads as cores, two here).
            if iteration % 1000 == 0 {
                await Task.yield()
            }
            var wire: ByteBuffer
            if iteration % 4 == 0 {
                wire = ByteBuffer(bytes: randomBytes(count: Int.random(in: 0...120, using: &generator), seed: generator.next()))
            } else {
                let opcode = Opcode.allCases.randomElement(using: &generator)!
                wire = try WireFormat.contiguousBytes(of: sampleFrame(opcode, using: &generator, payloadLength: Int.random(in: 0...64, using: &generator)))
                for _ in 0..<Int.random(in: 0...3, using: &generator) {
                    let offset = Int.random(in: 0..<wire.writerIndex, using: &generator)
                    wire.setInteger(UInt8.random(in: 0...255, using: &generator), at: offset)
                }
                if Bool.random(using: &generator) {
                    wire.moveWriterIndex(to: Int.random(in: 0...wire.writerIndex, using: &generator))
                }
            }
            let outcome = self.exercise(wire, limits: limits)
            parsed += outcome.frames
            rejected += outcome.rejected ? 1 : 0
        }
        #expect(parsed > 10_000, "mutations that keep a frame valid still parse")
        #expect(rejected > 10_000, "mutated headers are rejected")
    }
}
