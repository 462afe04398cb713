internal import CISAL

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

    /// The checksum of a chunk's bytes.
    @inlinable
    public static func checksum(_ bytes: some ChunkBytes) -> UInt32 {
        bytes.withUnsafeChunkBytes { self.checksum($0) }
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
