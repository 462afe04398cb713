import CISAL
import Dispatch

/// The baseline every codec figure is compared with: ISA-L called directly, the way a C
/// program would, on buffers allocated up front.
///
/// It shares no code with the library on purpose: its tables are built here from the same
/// Cauchy matrix, so the comparison measures the library's overhead and nothing else.
final class RawISAL {
    let k: Int
    let r: Int
    /// Tables computing the r parity chunks from the k data chunks.
    private let encodeTables: [UInt8]
    /// Tables computing data chunks `0 ..< r` from chunks `r ..< k + r`.
    private let decodeTables: [UInt8]

    init(k: Int, r: Int) {
        precondition(r <= k, "the decode baseline loses r data chunks")
        self.k = k
        self.r = r
        var matrix = [UInt8](repeating: 0, count: (k + r) * k)
        gf_gen_cauchy1_matrix(&matrix, Int32(k + r), Int32(k))
        self.encodeTables = Self.tables(rows: Array(matrix[(k * k)...]), k: k)

        var survivors = Array(matrix[(r * k)...])
        var inverse = [UInt8](repeating: 0, count: k * k)
        precondition(gf_invert_matrix(&survivors, &inverse, Int32(k)) == 0)
        self.decodeTables = Self.tables(rows: Array(inverse[..<(r * k)]), k: k)
    }

    private static func tables(rows: [UInt8], k: Int) -> [UInt8] {
        var rows = rows
        var tables = [UInt8](repeating: 0, count: 32 * rows.count)
        ec_init_tables(Int32(k), Int32(rows.count / k), &rows, &tables)
        return tables
    }

    /// Parity of `length`-byte chunks, split into `threads` column ranges coded at once.
    func encode(length: Int, data: [UnsafePointer<UInt8>?], parity: [UnsafeMutablePointer<UInt8>?], threads: Int) {
        Self.code(tables: self.encodeTables, k: self.k, length: length, sources: data, outputs: parity, threads: threads)
    }

    /// Data chunks `0 ..< r` from `survivors` (chunks `r ..< k + r`, in index order).
    func decode(length: Int, survivors: [UnsafePointer<UInt8>?], lost: [UnsafeMutablePointer<UInt8>?], threads: Int) {
        Self.code(tables: self.decodeTables, k: self.k, length: length, sources: survivors, outputs: lost, threads: threads)
    }

    private static func code(
        tables: [UInt8],
        k: Int,
        length: Int,
        sources: [UnsafePointer<UInt8>?],
        outputs: [UnsafeMutablePointer<UInt8>?],
        threads: Int
    ) {
        guard threads > 1 else {
            return Self.run(tables: tables, k: k, length: length, sources: sources, outputs: outputs)
        }
        let perThread = ((length + threads - 1) / threads + 63) / 64 * 64
        let pointers = Pointers(sources: sources, outputs: outputs)
        DispatchQueue.concurrentPerform(iterations: threads) { thread in
            let start = min(length, thread * perThread)
            let end = min(length, start + perThread)
            Self.run(
                tables: tables,
                k: k,
                length: end - start,
                sources: pointers.sources.map { $0! + start },
                outputs: pointers.outputs.map { $0! + start }
            )
        }
    }

    private static func run(
        tables: [UInt8],
        k: Int,
        length: Int,
        sources: [UnsafePointer<UInt8>?],
        outputs: [UnsafeMutablePointer<UInt8>?]
    ) {
        tables.withUnsafeBufferPointer { tables in
            cisal_ec_encode_data(Int32(length), Int32(k), Int32(outputs.count), tables.baseAddress, sources, outputs)
        }
    }
}

/// `@unchecked Sendable`: each thread writes only its own column range of the outputs, and
/// `concurrentPerform` returns after every thread is done.
private struct Pointers: @unchecked Sendable {
    let sources: [UnsafePointer<UInt8>?]
    let outputs: [UnsafeMutablePointer<UInt8>?]
}
