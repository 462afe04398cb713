import ErasureCoding
import NIOCore

/// `codec`: encode and decode throughput of the library's public API against raw ISA-L on
/// pre-allocated buffers, single-threaded and on every core.
struct CodecSuite {
    static let codes: [(k: Int, r: Int)] = [(4, 2), (10, 2), (10, 4)]
    static let sizes = [64 << 10, 1 << 20, 16 << 20, 128 << 20]

    let settings: BenchSettings
    let cores = System.coreCount

    func run() throws -> [BenchRow] {
        var rows: [BenchRow] = []
        for code in Self.codes {
            for size in Self.sizes {
                progress("codec \(code.k)+\(code.r) \(formatBytes(size))")
                let fixture = try CodecFixture(k: code.k, r: code.r, size: size, cores: self.cores)
                rows += try self.measure(op: "encode", fixture: fixture, library: fixture.libraryEncode, raw: fixture.rawEncode)
                rows += try self.measure(op: "decode", fixture: fixture, library: fixture.libraryDecode, raw: fixture.rawDecode)
                rows += try self.measureVariant("allocating", op: "encode", fixture: fixture, library: fixture.libraryEncodeAllocating, raw: fixture.rawEncode)
                rows += try self.measureVariant("reassemble", op: "decode", fixture: fixture, library: fixture.libraryReassemble, raw: fixture.rawReassemble)
            }
        }
        return rows
    }

    /// Library and raw ISA-L on one thread and on every core, interleaved: rows for each
    /// thread count against raw ISA-L on as many threads, and all-cores against one thread.
    private func measure(
        op: String,
        fixture: CodecFixture,
        library: @escaping (Int) throws -> Void,
        raw: @escaping (Int) -> Void
    ) throws -> [BenchRow] {
        let threadCounts = self.cores > 1 ? [1, self.cores] : [1]
        let contenders: [() throws -> Void] = threadCounts.flatMap { threads in
            [{ try library(threads) }, { raw(threads) }]
        }
        let rates = try self.settings.interleaved(contenders).map { $0 * Double(fixture.size) / 1e9 }
        var rows: [BenchRow] = []
        for (position, threads) in threadCounts.enumerated() {
            let row = fixture.row(op: op, value: rates[2 * position], threads: threads, variant: nil)
            rows.append(row.comparedTo(rates[2 * position + 1], named: "raw-isal"))
            if threads > 1 {
                rows.append(
                    fixture.row(op: op, value: rates[2 * position], threads: threads, variant: "vs-1-thread")
                        .comparedTo(rates[0], named: "library-1-thread")
                )
            }
        }
        return rows
    }

    /// A single-threaded variant of the library API against the raw ISA-L work it implies.
    private func measureVariant(
        _ variant: String,
        op: String,
        fixture: CodecFixture,
        library: @escaping (Int) throws -> Void,
        raw: @escaping (Int) -> Void
    ) throws -> [BenchRow] {
        let rates = try self.settings.interleaved([{ try library(1) }, { raw(1) }]).map { $0 * Double(fixture.size) / 1e9 }
        return [fixture.row(op: op, value: rates[0], threads: 1, variant: variant).comparedTo(rates[1], named: "raw-isal")]
    }
}
