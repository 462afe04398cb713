import InfiniCacheClient
import InfiniCacheTesting
import NIOCore
import TestSupport

/// A value that proves its own integrity: the first 8 bytes are its seed, the rest the
/// bytes that seed generates. A torn read (parts of two values) fails ``isIntact(_:)``.
func selfDescribingValue(count: Int, seed: UInt64) -> ByteBuffer {
    var buffer = ByteBuffer()
    buffer.writeInteger(seed)
    buffer.writeBytes(randomBytes(count: max(count - 8, 0), seed: seed))
    return buffer
}

/// Whether `buffer` is exactly a value made by ``selfDescribingValue(count:seed:)``.
func isIntact(_ buffer: ByteBuffer) -> Bool {
    guard let seed = buffer.getInteger(at: buffer.readerIndex, as: UInt64.self) else { return false }
    return buffer == selfDescribingValue(count: buffer.readableBytes, seed: seed)
}

/// Small chunks, so that a few MiB already span several stripes.
let multiStripe = ClientConfiguration(maxChunkLength: 256 << 10)
