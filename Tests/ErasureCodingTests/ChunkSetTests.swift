@testable import ErasureCoding
import Testing

@Suite("Chunk index sets")
struct ChunkSetTests {
    @Test("iteration is ascending across all four words, lowest(n) keeps the n smallest")
    func ascendingAndLowest() {
        let indexes = [255, 0, 64, 63, 128, 7, 200]
        var set = ChunkSet()
        for index in indexes {
            let inserted = set.insert(index)
            #expect(inserted)
        }
        let insertedAgain = set.insert(64)
        #expect(!insertedAgain)
        #expect(Array(set) == indexes.sorted())
        #expect(set.count == indexes.count)
        #expect(Array(set.lowest(3)) == [0, 7, 63])
        #expect(Array(set.lowest(100)) == indexes.sorted())
        #expect(set.contains(255) && !set.contains(254))
    }
}
