public import NIOCore

/// The chunks of one encoded stripe.
public struct EncodedStripe<DataChunk> {
    /// Where the stripe lies in its object.
    public let stripe: Stripe
    /// The k data chunks: views into the encoded bytes, except chunks that reach past the
    /// object's end, which are fresh zero-padded copies.
    public let dataChunks: [DataChunk]
    /// The r parity chunks, each in its own buffer whose bytes start 64-byte aligned; under
    /// replication (k = 1), views of the data chunk's bytes.
    public let parityChunks: [ByteBuffer]
}

extension EncodedStripe: Sendable where DataChunk: Sendable {}

extension EncodedStripe where DataChunk == ByteBuffer {
    /// All k + r chunks with their indexes, data first.
    public var chunks: [IndexedChunk<ByteBuffer>] {
        (self.dataChunks + self.parityChunks).enumerated().map { IndexedChunk(index: $0.offset, bytes: $0.element) }
    }
}

/// An object encoded stripe by stripe.
public struct EncodedObject<DataChunk> {
    /// How the object is striped.
    public let layout: StripeLayout
    /// One entry per stripe, in object order.
    public let stripes: [EncodedStripe<DataChunk>]
}

extension EncodedObject: Sendable where DataChunk: Sendable {}
