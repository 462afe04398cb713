import ErasureCoding
import InfiniCacheClient
import InfiniCacheReplay
import InfiniCacheTraces
import Testing

@Suite("Storage footprint of a coding policy")
struct StorageFootprintTests {
    @Test("objects up to the threshold cost r + 1 replicas, larger ones k + r chunks per stripe, padding included")
    func bySize() throws {
        let sizes = [1024, 64 << 10, (64 << 10) + 1, 10 << 20]
        let footprint = try StorageFootprint(objectSizes: sizes, configuration: ClientConfiguration())
        #expect(footprint.objects == 4)
        #expect(footprint.replicatedObjects == 2)
        #expect(footprint.objectBytes == 1024 + 65_536 + 65_537 + 10_485_760)
        #expect(footprint.replicatedObjectBytes == 1024 + 65_536)
        // 3 × 1 KiB, 3 × 64 KiB, 12 chunks of ⌈65,537 / 10⌉ = 6,554 bytes, 12 chunks of 1 MiB.
        #expect(footprint.codedBytes == 3_072 + 196_608 + 78_648 + 12_582_912)
        #expect(abs(footprint.overhead - 12_861_240.0 / 10_617_857.0) < 1e-12)
    }

    @Test("without a threshold every object is k + r: a 100 MiB object's two stripes cost exactly 1.2×")
    func erasureCodedOnly() throws {
        let footprint = try StorageFootprint(objectSizes: [100 << 20, 1024], configuration: ClientConfiguration(replicationThreshold: 0))
        #expect(footprint.replicatedObjects == 0)
        // 100 MiB: a stripe of 10 × 8 MiB and one of 10 × 2 MiB; 1 KiB: 12 chunks of 103 bytes.
        #expect(footprint.codedBytes == 120 << 20 + 12 * 103)
        #expect(try StorageFootprint(objectSizes: [100 << 20], configuration: ClientConfiguration(replicationThreshold: 0)).overhead == 1.2)
        #expect(try StorageFootprint(objectSizes: [], configuration: ClientConfiguration()).overhead == 1)
    }

    @Test("a trace counts each key read or written once, at the largest size it was requested at")
    func trace() throws {
        let trace = Trace(requests: [
            TraceRequest(time: .zero, key: "a", size: 100),
            TraceRequest(time: .seconds(1), key: "a", size: 2_000),
            TraceRequest(time: .seconds(2), key: "b", size: 300),
            TraceRequest(time: .seconds(3), key: "a", size: 50),
            TraceRequest(time: .seconds(4), key: "gone", size: 0, operation: .delete),
        ])
        let footprint = try StorageFootprint(trace: trace, configuration: ClientConfiguration())
        #expect(footprint.objects == 2)
        #expect(footprint.objectBytes == 2_300)
        #expect(footprint.codedBytes == 3 * 2_300)
    }

    @Test("a negative size or an invalid coding is an error, not a figure")
    func badInput() {
        #expect(throws: ErasureCodingError.self) {
            try StorageFootprint(objectSizes: [-1], configuration: ClientConfiguration())
        }
        #expect(throws: ErasureCodingError.self) {
            try StorageFootprint(objectSizes: [1 << 20], configuration: ClientConfiguration(maxChunkLength: 0))
        }
    }
}
