import ChunkWire
import Testing

@Suite("Object limits")
struct ObjectLimitsTests {
    private let limits = ObjectLimits.default

    @Test("objects within the limits pass; too many stripes or too small chunks are named")
    func limitsHold() {
        #expect(self.limits.violation(objectLength: 0, dataChunkCount: 10, maxChunkLength: 1) == nil, "one stripe may have tiny chunks")
        #expect(self.limits.violation(objectLength: 4096 * 4096, dataChunkCount: 1, maxChunkLength: 4096) == nil)
        #expect(self.limits.violation(objectLength: 4096 * 4096 + 1, dataChunkCount: 1, maxChunkLength: 4096)?.contains("4096") == true)
        #expect(self.limits.violation(objectLength: 5_000_000, dataChunkCount: 1, maxChunkLength: 1)?.contains("at least 4096") == true)
    }

    @Test("nonsense coding is a violation, never a trap", arguments: [(10, 0), (0, 4096), (-1, 4096), (2, Int.max)])
    func nonsense(dataChunkCount: Int, maxChunkLength: Int) {
        let violation = self.limits.violation(objectLength: 1 << 40, dataChunkCount: dataChunkCount, maxChunkLength: maxChunkLength)
        #expect((violation != nil) == (dataChunkCount <= 0 || maxChunkLength <= 0))
        #expect(self.limits.violation(objectLength: -1, dataChunkCount: 10, maxChunkLength: 4096) != nil)
    }
}
