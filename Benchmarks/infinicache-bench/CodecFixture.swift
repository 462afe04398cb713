import ErasureCoding
import Foundation
import NIOCore

/// The buffers of one (k, r, size) codec measurement, allocated and filled up front, and
/// the operations the suite times on them.
///
/// Decoding loses data chunks `0 ..< r` of every stripe and reads the other k chunks. Both
/// the library and raw ISA-L read the same padded chunk buffers, so they do the same work on
/// the same memory.
final class CodecFixture {
    struct BenchError: Error, CustomStringConvertible {
        var description: String
    }

    let k: Int
    let r: Int
    let size: Int
    private let codecs: [Int: ReedSolomonCodec]
    private let raw: RawISAL
    private let layout: StripeLayout
    private let stripes: [Stripe]
    private let objectArray: [UInt8]
    private var allocations: [UnsafeMutableRawBufferPointer] = []

    /// The object, 64-byte aligned.
    private var object = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    /// Per stripe: the stripe's k chunks, zero padded.
    private var paddedData: [UnsafeMutableRawBufferPointer] = []
    /// Per stripe: r parity chunks written by raw ISA-L, then by the library.
    private var rawParity: [[UnsafeMutablePointer<UInt8>?]] = []
    private var libraryParity: [[UnsafeMutableRawBufferPointer]] = []
    /// Per stripe: the k surviving chunks and r outputs for the lost data chunks.
    private var survivors: [[IndexedChunk<UnsafeRawBufferPointer>]] = []
    private var lost: [[IndexedChunk<UnsafeMutableRawBufferPointer>]] = []
    /// Reassembly targets: the library's exact object, raw ISA-L's padded stripes.
    private var reassembled = UnsafeMutableRawBufferPointer(start: nil, count: 0)
    private var rawReassembled: [UnsafeMutableRawBufferPointer] = []

    init(k: Int, r: Int, size: Int, cores: Int) throws {
        self.k = k
        self.r = r
        self.size = size
        var codecs = [1: try ReedSolomonCodec(dataChunkCount: k, parityChunkCount: r, concurrency: .serial)]
        codecs[cores] = try ReedSolomonCodec(
            dataChunkCount: k,
            parityChunkCount: r,
            concurrency: CodingConcurrency(maximumThreads: cores, minimumBytesPerThread: CodingConcurrency.automatic.minimumBytesPerThread)
        )
        self.codecs = codecs
        self.raw = RawISAL(k: k, r: r)
        self.layout = try codecs[1]!.layout(forObjectLength: size)
        self.stripes = self.layout.stripes
        self.objectArray = pseudoRandomBytes(count: size)

        self.object = self.allocate(size)
        self.object.copyBytes(from: self.objectArray)
        self.reassembled = self.allocate(size)
        for stripe in self.stripes {
            let length = stripe.chunkLength
            let padded = self.allocate(k * length)
            padded.copyMemory(from: UnsafeRawBufferPointer(rebasing: self.object[stripe.objectRange]))
            self.paddedData.append(padded)
            let parity = (0..<r).map { _ in self.allocate(length) }
            self.rawParity.append(parity.map { $0.baseAddress!.assumingMemoryBound(to: UInt8.self) })
            self.libraryParity.append((0..<r).map { _ in self.allocate(length) })
            let chunks = (0..<k).map { UnsafeRawBufferPointer(rebasing: padded[($0 * length)..<(($0 + 1) * length)]) }
                + parity.map { UnsafeRawBufferPointer($0) }
            self.survivors.append((r..<(k + r)).map { IndexedChunk(index: $0, bytes: chunks[$0]) })
            self.lost.append((0..<r).map { IndexedChunk(index: $0, bytes: self.allocate(length)) })
            self.rawReassembled.append(self.allocate(k * length))
        }
        try self.check()
    }

    deinit {
        self.allocations.forEach { $0.deallocate() }
    }

    /// A zeroed, 64-byte aligned buffer freed with the fixture.
    private func allocate(_ count: Int) -> UnsafeMutableRawBufferPointer {
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(1, count), alignment: 64)
        buffer.initializeMemory(as: UInt8.self, repeating: 0)
        self.allocations.append(buffer)
        return UnsafeMutableRawBufferPointer(rebasing: buffer[..<count])
    }

    /// Runs every operation once and checks that the library and raw ISA-L agree and the
    /// object comes back, so that no figure is measured on a broken path.
    private func check() throws {
        self.rawEncode(threads: 1)
        try self.libraryEncode(threads: 1)
        for (raw, library) in zip(self.rawParity, self.libraryParity) {
            for (rawChunk, libraryChunk) in zip(raw, library) where memcmp(rawChunk!, libraryChunk.baseAddress!, libraryChunk.count) != 0 {
                throw BenchError(description: "library parity differs from raw ISA-L for \(self.k)+\(self.r), \(self.size) bytes")
            }
        }
        try self.libraryReassemble(threads: 1)
        guard memcmp(self.reassembled.baseAddress!, self.object.baseAddress!, self.size) == 0 else {
            throw BenchError(description: "library reassembly lost bytes for \(self.k)+\(self.r), \(self.size) bytes")
        }
    }

    func row(op: String, value: Double, threads: Int, variant: String?) -> BenchRow {
        BenchRow(suite: "codec", op: op, metric: "throughput", unit: "GB/s", value: value, k: self.k, r: self.r, size: self.size, threads: threads, variant: variant)
    }

    // MARK: Library

    /// Zero-allocation encode into caller-provided parity buffers.
    func libraryEncode(threads: Int) throws {
        let codec = self.codecs[threads]!
        for (stripe, parity) in zip(self.stripes, self.libraryParity) {
            try codec.encodeParity(of: UnsafeRawBufferPointer(rebasing: self.object[stripe.objectRange]), into: parity)
        }
    }

    /// The convenience encode: parity in fresh aligned `ByteBuffer`s, data as array views.
    func libraryEncodeAllocating(threads: Int) throws {
        _ = try self.codecs[threads]!.encode(self.objectArray)
    }

    /// Reconstruction of the lost data chunks into caller-provided buffers.
    func libraryDecode(threads: Int) throws {
        let codec = self.codecs[threads]!
        for (index, stripe) in self.stripes.enumerated() {
            try codec.reconstruct(self.survivors[index], stripe: stripe, into: self.lost[index])
        }
    }

    /// Reassembly of the exact object bytes: surviving data copied, lost data decoded.
    func libraryReassemble(threads: Int) throws {
        let codec = self.codecs[threads]!
        for (index, stripe) in self.stripes.enumerated() {
            try codec.reassembleStripe(self.survivors[index], stripe: stripe, into: UnsafeMutableRawBufferPointer(rebasing: self.reassembled[stripe.objectRange]))
        }
    }

    // MARK: Raw ISA-L

    func rawEncode(threads: Int) {
        for (stripe, (data, parity)) in zip(self.stripes, zip(self.paddedData, self.rawParity)) {
            let length = stripe.chunkLength
            let sources = (0..<self.k).map { UnsafePointer(data.baseAddress!.assumingMemoryBound(to: UInt8.self) + $0 * length) }
            self.raw.encode(length: length, data: sources, parity: parity, threads: threads)
        }
    }

    func rawDecode(threads: Int) {
        for (index, stripe) in self.stripes.enumerated() {
            self.raw.decode(length: stripe.chunkLength, survivors: self.sourcePointers(index), lost: self.lost[index].map(\.bytes.pointer), threads: threads)
        }
    }

    /// Raw decode straight into the padded stripe, plus a copy of the surviving data chunks.
    func rawReassemble(threads: Int) {
        for (index, stripe) in self.stripes.enumerated() {
            let length = stripe.chunkLength
            let target = self.rawReassembled[index]
            let lost = (0..<self.r).map { target.pointer! + $0 * length }
            self.raw.decode(length: length, survivors: self.sourcePointers(index), lost: lost, threads: threads)
            let survivingData = (self.r * length)..<(self.k * length)
            UnsafeMutableRawBufferPointer(rebasing: target[survivingData])
                .copyMemory(from: UnsafeRawBufferPointer(rebasing: self.paddedData[index][survivingData]))
        }
    }

    private func sourcePointers(_ stripe: Int) -> [UnsafePointer<UInt8>?] {
        self.survivors[stripe].map { UnsafePointer($0.bytes.baseAddress!.assumingMemoryBound(to: UInt8.self)) }
    }
}

extension UnsafeMutableRawBufferPointer {
    fileprivate var pointer: UnsafeMutablePointer<UInt8>? {
        self.baseAddress?.assumingMemoryBound(to: UInt8.self)
    }
}

/// `count` bytes from a fixed xorshift sequence: incompressible and the same every run.
func pseudoRandomBytes(count: Int) -> [UInt8] {
    var state: UInt64 = 0x2545_F491_4F6C_DD1D
    return [UInt8](unsafeUninitializedCapacity: count) { buffer, initialized in
        let raw = UnsafeMutableRawBufferPointer(buffer)
        var offset = 0
        while offset < count {
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            withUnsafeBytes(of: state.littleEndian) { word in
                let n = min(8, count - offset)
                UnsafeMutableRawBufferPointer(rebasing: raw[offset..<(offset + n)]).copyMemory(from: UnsafeRawBufferPointer(rebasing: word[..<n]))
            }
            offset += 8
        }
        initialized = count
    }
}
