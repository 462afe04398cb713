import ErasureCoding
import NIOCore
import TestSupport

/// Every subset of `0 ..< n` with at most `maximumSize` elements, the empty set included.
func subsets(of n: Int, maximumSize: Int) -> [[Int]] {
    var result: [[Int]] = [[]]
    func extend(_ current: [Int], from start: Int) {
        guard current.count < maximumSize else { return }
        for next in start..<n {
            let grown = current + [next]
            result.append(grown)
            extend(grown, from: next + 1)
        }
    }
    extend([], from: 0)
    return result
}

/// The k + r chunks of each stripe of an `[UInt8]` encoding, as arrays.
func chunkArrays(_ encoded: EncodedObject<ArraySlice<UInt8>>) -> [[IndexedChunk<[UInt8]>]] {
    encoded.stripes.map { stripe in
        let data = stripe.dataChunks.map { Array($0) }
        let parity = stripe.parityChunks.map { Array($0.readableBytesView) }
        return (data + parity).enumerated().map { IndexedChunk(index: $0.offset, bytes: $0.element) }
    }
}
