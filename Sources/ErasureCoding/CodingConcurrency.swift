import Dispatch
import NIOCore

/// How many threads one encode or decode call may use.
///
/// A large stripe's chunk bytes are split into column segments (multiples of 64 bytes)
/// that are coded at the same time: Reed-Solomon works column by column, so the segments
/// are independent. Small calls stay on the calling thread, where handing work to other
/// threads would cost more than it saves.
public struct CodingConcurrency: Hashable, Sendable {
    /// Upper bound on threads used by one call, the caller's included.
    public var maximumThreads: Int
    /// A call is split only so that every thread gets at least this many object bytes.
    public var minimumBytesPerThread: Int

    /// Creates a policy; values below 1 are treated as 1.
    public init(maximumThreads: Int, minimumBytesPerThread: Int) {
        self.maximumThreads = max(1, maximumThreads)
        self.minimumBytesPerThread = max(1, minimumBytesPerThread)
    }

    /// Every call runs on the calling thread.
    public static let serial = CodingConcurrency(maximumThreads: 1, minimumBytesPerThread: .max)

    /// Up to one thread per core, for calls of at least 256 KiB per thread.
    ///
    /// Measured with `infinicache-bench codec` on a 2-core machine: raw ISA-L on a 1 MiB
    /// object ran about 1.4× faster on two threads than on one, while 64 KiB objects ran
    /// 2-3× slower when split (handing work to another thread costs microseconds).
    public static let automatic = CodingConcurrency(
        maximumThreads: System.coreCount,
        minimumBytesPerThread: 256 << 10
    )

    /// Number of column segments for a call that codes `bytes` object bytes.
    func segmentCount(forObjectBytes bytes: Int) -> Int {
        min(self.maximumThreads, max(1, bytes / self.minimumBytesPerThread))
    }
}

extension GaloisTables {
    /// ``apply(length:sources:outputs:)`` over `length` columns, split into concurrent
    /// segments as `concurrency` allows.
    func apply(
        length: Int,
        sources: UnsafeBufferPointer<UnsafePointer<UInt8>?>,
        outputs: UnsafeBufferPointer<UnsafeMutablePointer<UInt8>?>,
        concurrency: CodingConcurrency
    ) {
        let segments = concurrency.segmentCount(forObjectBytes: length * self.sourceCount)
        guard segments > 1 else {
            self.apply(length: length, sources: sources, outputs: outputs)
            return
        }
        let alignment = 64
        let perSegment = ((length + segments - 1) / segments + alignment - 1) / alignment * alignment
        let pointers = SegmentPointers(sources: sources, outputs: outputs)
        DispatchQueue.concurrentPerform(iterations: segments) { segment in
            let start = segment * perSegment
            let end = min(length, start + perSegment)
            guard start < end else { return }
            self.withOffsetPointers(sources: pointers.sources, outputs: pointers.outputs, by: start) { sources, outputs in
                self.apply(length: end - start, sources: sources, outputs: outputs)
            }
        }
    }

    /// Calls `body` with copies of the pointer arrays advanced by `offset` bytes, kept on the
    /// stack so that a call allocates nothing.
    func withOffsetPointers(
        sources: UnsafeBufferPointer<UnsafePointer<UInt8>?>,
        outputs: UnsafeBufferPointer<UnsafeMutablePointer<UInt8>?>,
        by offset: Int,
        _ body: (UnsafeBufferPointer<UnsafePointer<UInt8>?>, UnsafeBufferPointer<UnsafeMutablePointer<UInt8>?>) -> Void
    ) {
        withUnsafeTemporaryAllocation(of: UnsafePointer<UInt8>?.self, capacity: sources.count) { shiftedSources in
            withUnsafeTemporaryAllocation(of: UnsafeMutablePointer<UInt8>?.self, capacity: outputs.count) { shiftedOutputs in
                for (i, pointer) in sources.enumerated() { shiftedSources[i] = pointer! + offset }
                for (i, pointer) in outputs.enumerated() { shiftedOutputs[i] = pointer! + offset }
                body(UnsafeBufferPointer(shiftedSources), UnsafeBufferPointer(shiftedOutputs))
            }
        }
    }
}

/// The pointer arrays of one coding call, handed to the segment workers.
///
/// `@unchecked Sendable`: the arrays are only read; each worker writes the output columns
/// of its own segment, disjoint from every other's; and `concurrentPerform` returns only
/// when every worker has finished, so the memory outlives all uses.
private struct SegmentPointers: @unchecked Sendable {
    let sources: UnsafeBufferPointer<UnsafePointer<UInt8>?>
    let outputs: UnsafeBufferPointer<UnsafeMutablePointer<UInt8>?>
}
