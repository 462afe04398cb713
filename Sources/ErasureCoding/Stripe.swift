
/// One stripe of an object: a contiguous byte range coded into k data + r parity chunks of
/// equal length.
public struct Stripe: Hashable, Sendable {
    /// Position of the stripe within its object, from 0.
    public let index: Int
    /// Offset of the stripe's first byte within the object.
    public let objectOffset: Int
    /// Object bytes in this stripe (without padding).
    public let length: Int
    /// k: data chunks.
    public let dataChunkCount: Int
    /// r: parity chunks.
    public let parityChunkCount: Int

    /// Creates the description of one stripe of `length` bytes, for example to code a
    /// stand-alone buffer with the zero-allocation APIs.
    public init(index: Int = 0, objectOffset: Int = 0, length: Int, dataChunkCount: Int, parityChunkCount: Int) {
        self.index = index
        self.objectOffset = objectOffset
        self.length = length
        self.dataChunkCount = dataChunkCount
        self.parityChunkCount = parityChunkCount
    }

    /// Length of every chunk of the stripe: `ceil(length / k)`.
    public var chunkLength: Int { (self.length + self.dataChunkCount - 1) / self.dataChunkCount }

    /// Zero bytes appended after the object's bytes to fill k chunks.
    public var paddingLength: Int { self.chunkLength * self.dataChunkCount - self.length }

    /// The object's byte range covered by this stripe.
    public var objectRange: Range<Int> { self.objectOffset..<(self.objectOffset + self.length) }

    /// How many of data chunk `index`'s bytes are object bytes; the rest is padding.
    public func payloadLength(ofDataChunk index: Int) -> Int {
        min(self.chunkLength, max(0, self.length - index * self.chunkLength))
    }
}
