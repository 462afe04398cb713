import CISAL
import ErasureCoding
import TestSupport
import Testing

@Suite("Known answers")
struct KnownAnswerTests {
    @Test("parity equals raw ISA-L over a Cauchy matrix", arguments: [(4, 2), (10, 4), (6, 3)])
    func parityMatchesRawISAL(k: Int, r: Int) throws {
        let object = randomBytes(count: 100_003, seed: 42)
        let codec = try ReedSolomonCodec(dataChunkCount: k, parityChunkCount: r)
        let encoded = try codec.encode(object)
        let chunkLength = encoded.stripes[0].stripe.chunkLength

        var matrix = [UInt8](repeating: 0, count: (k + r) * k)
        gf_gen_cauchy1_matrix(&matrix, Int32(k + r), Int32(k))
        var tables = [UInt8](repeating: 0, count: 32 * k * r)
        var parityRows = Array(matrix[(k * k)...])
        ec_init_tables(Int32(k), Int32(r), &parityRows, &tables)
        var data = (0..<k).map { i in
            var chunk = [UInt8](repeating: 0, count: chunkLength)
            let start = min(object.count, i * chunkLength)
            let end = min(object.count, start + chunkLength)
            chunk.replaceSubrange(0..<(end - start), with: object[start..<end])
            return chunk
        }
        var parity = (0..<r).map { _ in [UInt8](repeating: 0, count: chunkLength) }
        var dataPointers = (0..<k).map { i in data[i].withUnsafeMutableBufferPointer { $0.baseAddress } }
        var parityPointers = (0..<r).map { j in parity[j].withUnsafeMutableBufferPointer { $0.baseAddress } }
        withExtendedLifetime((data, parity)) {
            ec_encode_data(Int32(chunkLength), Int32(k), Int32(r), &tables, &dataPointers, &parityPointers)
        }
        data = []
        for j in 0..<r {
            #expect(sameBytes(encoded.stripes[0].parityChunks[j], parity[j]), "parity \(j)")
        }
    }
}
