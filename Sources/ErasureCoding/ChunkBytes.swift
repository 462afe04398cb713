public import NIOCore

/// Contiguous bytes that can hold one chunk: `[UInt8]`, `ArraySlice<UInt8>`, NIO
/// `ByteBuffer` (its readable bytes) and `UnsafeRawBufferPointer` conform.
///
/// The codec only reads through this protocol; it never copies a chunk to look at it.
public protocol ChunkBytes {
    /// Number of bytes in the chunk.
    var chunkByteCount: Int { get }
    /// Calls `body` with a pointer to the chunk's bytes, valid only during the call.
    func withUnsafeChunkBytes<Result>(
        _ body: (UnsafeRawBufferPointer) throws -> Result
    ) rethrows -> Result
}

/// A chunk together with its position in its stripe: `0 ..< k` are data chunks,
/// `k ..< k + r` parity chunks.
public struct IndexedChunk<Bytes> {
    /// Position of the chunk in its stripe.
    public var index: Int
    /// The chunk's bytes.
    public var bytes: Bytes

    /// Pairs `bytes` with its chunk index.
    public init(index: Int, bytes: Bytes) {
        self.index = index
        self.bytes = bytes
    }
}

extension IndexedChunk: Sendable where Bytes: Sendable {}

extension Array: ChunkBytes where Element == UInt8 {
    public var chunkByteCount: Int { self.count }
    @inlinable
    public func withUnsafeChunkBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try self.withUnsafeBytes(body)
    }
}

extension ArraySlice: ChunkBytes where Element == UInt8 {
    public var chunkByteCount: Int { self.count }
    @inlinable
    public func withUnsafeChunkBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try self.withUnsafeBytes(body)
    }
}

extension ByteBuffer: ChunkBytes {
    public var chunkByteCount: Int { self.readableBytes }
    @inlinable
    public func withUnsafeChunkBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try self.withUnsafeReadableBytes(body)
    }
}

extension UnsafeRawBufferPointer: ChunkBytes {
    public var chunkByteCount: Int { self.count }
    @inlinable
    public func withUnsafeChunkBytes<Result>(_ body: (UnsafeRawBufferPointer) throws -> Result) rethrows -> Result {
        try body(self)
    }
}

/// Calls `body` with pointers to every chunk's bytes at once, in the given order.
///
/// Each conformer only lends its pointer inside a closure, so the closures nest, one per
/// chunk (at most 255 deep). `@inlinable` so that callers get a copy specialised for their
/// chunk type: unspecialised, the generic nesting costs more than decoding a 64 KiB stripe.
@inlinable
func withUnsafeChunkPointers<Bytes: ChunkBytes, Result>(
    _ chunks: [IndexedChunk<Bytes>],
    _ body: ([IndexedChunk<UnsafeRawBufferPointer>]) throws -> Result
) rethrows -> Result {
    if Bytes.self == UnsafeRawBufferPointer.self {
        return try body(unsafeBitCast(chunks, to: [IndexedChunk<UnsafeRawBufferPointer>].self))
    }
    var pointers: [IndexedChunk<UnsafeRawBufferPointer>] = []
    pointers.reserveCapacity(chunks.count)
    func nest(_ position: Int) throws -> Result {
        guard position < chunks.count else { return try body(pointers) }
        return try chunks[position].bytes.withUnsafeChunkBytes { bytes in
            pointers.append(IndexedChunk(index: chunks[position].index, bytes: bytes))
            return try nest(position + 1)
        }
    }
    return try nest(0)
}
