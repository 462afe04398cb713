internal import CISAL

/// ISA-L's expanded multiplication tables for one coefficient matrix (`32 × k × rows`
/// bytes), ready for `ec_encode_data`.
///
/// `@unchecked Sendable`: the memory is written once, in `init`, before the value can be
/// shared, and only read afterwards (ISA-L documents the tables as read-only inputs), so
/// concurrent readers never race. `deinit` frees it.
final class GaloisTables: @unchecked Sendable {
    /// Number of source rows (k).
    let sourceCount: Int
    /// Number of output rows the tables produce.
    let outputCount: Int
    private let bytes: UnsafeMutableRawPointer

    /// Builds tables for a row-major `outputCount × sourceCount` coefficient matrix.
    init(coefficients: [UInt8], sourceCount: Int, outputCount: Int) {
        precondition(coefficients.count == sourceCount * outputCount)
        self.sourceCount = sourceCount
        self.outputCount = outputCount
        // At least one byte so that an r = 0 code still owns a valid allocation.
        let size = max(1, 32 * sourceCount * outputCount)
        self.bytes = UnsafeMutableRawPointer.allocate(byteCount: size, alignment: 64)
        coefficients.withUnsafeBufferPointer { matrix in
            cisal_ec_init_tables(
                Int32(sourceCount),
                Int32(outputCount),
                matrix.baseAddress,
                self.bytes.assumingMemoryBound(to: UInt8.self)
            )
        }
    }

    deinit {
        self.bytes.deallocate()
    }

    /// Computes `outputs[j][c] = Σ_i coefficient[j][i] · sources[i][c]` for `c < length`.
    ///
    /// Pointers must address at least `length` bytes each; this is the one place the module
    /// calls into ISA-L's coder.
    func apply(
        length: Int,
        sources: UnsafeBufferPointer<UnsafePointer<UInt8>?>,
        outputs: UnsafeBufferPointer<UnsafeMutablePointer<UInt8>?>
    ) {
        assert(sources.count == self.sourceCount && outputs.count == self.outputCount)
        guard length > 0, self.outputCount > 0 else { return }
        cisal_ec_encode_data(
            Int32(length),
            Int32(self.sourceCount),
            Int32(self.outputCount),
            self.bytes.assumingMemoryBound(to: UInt8.self),
            sources.baseAddress,
            outputs.baseAddress
        )
    }
}
