@testable import ErasureCoding
import TestSupport
import Testing

@Suite("One codec shared by many tasks")
struct ConcurrencyTests {
    @Test("concurrent encodes and decodes on a shared codec are correct")
    func sharedCodec() async throws {
        // Small split threshold, so calls also fan out over column segments while tasks overlap.
        let codec = try ReedSolomonCodec(
            dataChunkCount: 6,
            parityChunkCount: 3,
            concurrency: CodingConcurrency(maximumThreads: 4, minimumBytesPerThread: 16 << 10)
        )
        try await withThrowingTaskGroup(of: Bool.self) { group in
            for task in 0..<64 {
                group.addTask {
                    let object = randomBytes(count: 1000 + task * 7919, seed: UInt64(task))
                    let encoded = try codec.encode(object, maxChunkLength: 8192)
                    let lost = [task % 9, (task / 9) % 9, (task / 3 + 4) % 9]
                    let survivors = chunkArrays(encoded).map { $0.filter { !lost.contains($0.index) } }
                    return sameBytes(try codec.reassemble(survivors, layout: encoded.layout), object)
                }
            }
            for try await correct in group {
                #expect(correct)
            }
        }
    }

    @Test("multi-threaded coding gives the same bytes as single-threaded coding")
    func segmentedMatchesSerial() throws {
        let object = randomBytes(count: 3_000_001, seed: 77)
        let serial = try ReedSolomonCodec(dataChunkCount: 10, parityChunkCount: 4, concurrency: .serial)
        let parallel = try ReedSolomonCodec(
            dataChunkCount: 10,
            parityChunkCount: 4,
            concurrency: CodingConcurrency(maximumThreads: 3, minimumBytesPerThread: 4096)
        )
        let expected = chunkArrays(try serial.encode(object))[0]
        let actual = chunkArrays(try parallel.encode(object))[0]
        #expect(zip(expected, actual).allSatisfy { sameBytes($0.bytes, $1.bytes) })
        let survivors = actual.filter { ![0, 3, 7, 9].contains($0.index) }
        #expect(sameBytes(try parallel.reassemble([survivors], layout: parallel.layout(forObjectLength: object.count)), object))
    }

    @Test("the decode table cache stays within its bound")
    func boundedDecodeCache() throws {
        let codec = try ReedSolomonCodec(dataChunkCount: 4, parityChunkCount: 2, decodeCacheCapacity: 2)
        let object = randomBytes(count: 999, seed: 4)
        let encoded = try codec.encode(object)
        let chunks = chunkArrays(encoded)[0]
        for lost in subsets(of: 6, maximumSize: 2) {
            let survivors = chunks.filter { !lost.contains($0.index) }
            #expect(sameBytes(try codec.reassemble([survivors], layout: encoded.layout), object))
        }
        #expect(codec.decodeCache.count <= 2)
    }
}
