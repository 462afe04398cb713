#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// A read-only region of ``StripeLayout/maximumChunkLength`` zero bytes that stands in for
/// the padding after an object's last byte, so that encoding never copies the tail chunk.
///
/// It is an anonymous read-only mapping: every page maps the kernel's shared zero page, so
/// it costs address space, not memory.
enum ZeroBytes {
    /// Start of the region; `nonisolated(unsafe)` is sound because it is written once, by
    /// the lazy global initializer, and the memory behind it is read-only.
    nonisolated(unsafe) static let start: UnsafePointer<UInt8> = {
        let mapping = mmap(nil, StripeLayout.maximumChunkLength, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0)
        guard let mapping, mapping != MAP_FAILED else {
            fatalError("cannot map \(StripeLayout.maximumChunkLength) bytes of address space for padding")
        }
        return UnsafePointer(mapping.assumingMemoryBound(to: UInt8.self))
    }()
}
