import ChunkWire
import ErasureCoding
import NIOCore

let codec = try ReedSolomonCodec(dataChunkCount: 10, parityChunkCount: 4)   // Sendable: share it

// Encode: data chunks are views into `object`; parity chunks are 64-byte aligned ByteBuffers.
let object: [UInt8] = Array(repeating: 7, count: 20_000_000)
let encoded = try codec.encode(object)                 // 8 MiB max chunk → 1 stripe here
print(encoded.layout.stripeCount, encoded.stripes[0].stripe.chunkLength)

// Lose up to r chunks of every stripe; any k of the k + r give the exact bytes back.
let survivors: [[IndexedChunk<ByteBuffer>]] = encoded.stripes.map { stripe in
    let data = stripe.dataChunks.enumerated().map { IndexedChunk(index: $0.offset, bytes: ByteBuffer(bytes: $0.element)) }
    let parity = stripe.parityChunks.enumerated().map { IndexedChunk(index: 10 + $0.offset, bytes: $0.element) }
    return Array((data + parity).dropFirst(4))        // chunks 0 ..< 4 are lost
}
let restored: ByteBuffer = try codec.reassemble(survivors, layout: encoded.layout, allocator: ByteBufferAllocator())
precondition(restored.readableBytesView.elementsEqual(object))

// Checksums of the wire format (ChunkWire): standard CRC-32C through ISA-L.
precondition(CRC32C.checksum(Array("123456789".utf8)) == 0xE306_9283)
