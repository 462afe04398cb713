internal import CISAL
public import NIOCore

/// CRC-32C (Castagnoli), the checksum the wire format carries for every chunk payload,
/// computed with ISA-L's hardware-accelerated `crc32_iscsi`.
///
/// Values are the standard ones (reflected, initial value and final XOR `0xFFFFFFFF`):
/// the checksum of the ASCII bytes "123456789" is `0xE3069283`.
public enum CRC32C {
    /// The checksum of `bytes`.
    public static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        self.update(0, with: bytes)
    }

    /// The checksum of a buffer's readable bytes.
    public static func checksum(_ bytes: ByteBuffer) -> UInt32 {
        bytes.withUnsafeReadableBytes { self.checksum($0) }
    }

    /// The checksum of `bytes` (copied first only if they are not contiguous in memory).
    public static func checksum(_ bytes: some Sequence<UInt8>) -> UInt32 {
        bytes.withContiguousStorageIfAvailable { self.checksum(UnsafeRawBufferPointer($0)) } ?? self.checksum(Array(bytes))
    }

    /// Extends the checksum `crc` of some bytes to the checksum of those bytes followed by
    /// `bytes`; start from 0.
    public static func update(_ crc: UInt32, with bytes: UnsafeRawBufferPointer) -> UInt32 {
        // ISA-L leaves out the pre- and post-inversion, and takes an `int` length.
        var state = ~crc
        var remaining = bytes[...]
        while !remaining.isEmpty {
            let piece = remaining.prefix(1 << 30)
            state = cisal_crc32_iscsi(UnsafeRawBufferPointer(rebasing: piece).baseAddress, Int32(piece.count), state)
            remaining = remaining.dropFirst(piece.count)
        }
        return ~state
    }
}
