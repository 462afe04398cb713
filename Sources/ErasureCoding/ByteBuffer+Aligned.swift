public import NIOCore

extension ByteBufferAllocator {
    /// Alignment of the readable bytes of buffers made by ``alignedBuffer(length:)``.
    public static let chunkAlignment = 64

    /// A buffer of `length` zero bytes whose readable bytes start on a 64-byte boundary,
    /// so that SIMD code reads and writes it with aligned loads and stores.
    ///
    /// The buffer over-allocates by up to 63 bytes and skips the bytes before the boundary.
    /// Slices and ordinary reads keep the alignment; a copy-on-write copy may lose it (the
    /// contents stay correct).
    public func alignedBuffer(length: Int) -> ByteBuffer {
        self.alignedBuffer(length: length, zeroed: true)
    }

    /// An aligned buffer whose bytes are left as the allocator returned them: only for
    /// outputs that the caller overwrites completely before anyone reads them.
    func alignedBuffer(length: Int, zeroed: Bool) -> ByteBuffer {
        let alignment = Self.chunkAlignment
        var buffer = self.buffer(capacity: length + alignment - 1)
        let skip = buffer.withUnsafeMutableWritableBytes { bytes in
            let address = bytes.baseAddress.map { UInt(bitPattern: $0) } ?? 0
            return Int((UInt(alignment) - address % UInt(alignment)) % UInt(alignment))
        }
        if zeroed {
            buffer.writeRepeatingByte(0, count: skip + length)
        } else {
            buffer.moveWriterIndex(forwardBy: skip + length)
        }
        buffer.moveReaderIndex(forwardBy: skip)
        return buffer
    }
}

extension ByteBuffer {
    /// The readable bytes at `range` (offsets from the reader index) as a buffer that
    /// shares this one's storage wherever they lie. Unlike `getSlice`, which copies slices
    /// starting past 16 MiB into storage, this only moves the copy's reader and writer
    /// indexes, so the view's capacity is the whole storage's.
    func sharingView(of range: Range<Int>) -> ByteBuffer {
        var view = self
        view.moveWriterIndex(to: self.readerIndex + range.upperBound)
        view.moveReaderIndex(forwardBy: range.lowerBound)
        return view
    }
}

/// Calls `body` with mutable pointers to the readable bytes of every buffer at once.
///
/// Each buffer is moved out of the array while its pointer is lent, so it stays uniquely
/// referenced and no copy-on-write copy is made; the array is whole again on return.
func withUnsafeMutableReadableBytes<Result>(
    of buffers: inout [ByteBuffer],
    _ body: ([UnsafeMutableRawBufferPointer]) throws -> Result
) rethrows -> Result {
    var pointers: [UnsafeMutableRawBufferPointer] = []
    pointers.reserveCapacity(buffers.count)
    func nest(_ position: Int) throws -> Result {
        guard position < buffers.count else { return try body(pointers) }
        var buffer = ByteBuffer()
        swap(&buffer, &buffers[position])
        defer { swap(&buffer, &buffers[position]) }
        return try buffer.withUnsafeMutableReadableBytes { bytes in
            pointers.append(bytes)
            return try nest(position + 1)
        }
    }
    return try nest(0)
}
