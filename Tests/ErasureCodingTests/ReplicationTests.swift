import ErasureCoding
import NIOCore
import TestSupport
import Testing

@Suite("Replication (k = 1)")
struct ReplicationTests {
    @Test("with one data chunk every parity chunk is a copy, and a ByteBuffer's replicas share its storage", arguments: [0, 1, 3])
    func replicasAreCopies(parityChunkCount: Int) throws {
        let codec = try ReedSolomonCodec(dataChunkCount: 1, parityChunkCount: parityChunkCount)
        #expect(codec.isReplication)
        let bytes = randomBytes(count: 5000, seed: 11)
        let buffer = ByteBuffer(bytes: bytes)
        let base = buffer.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) }
        let encoded = try codec.encode(buffer, maxChunkLength: 2048)
        #expect(encoded.stripes.count == 3)
        for stripe in encoded.stripes {
            let chunks = stripe.chunks
            #expect(chunks.count == 1 + parityChunkCount)
            for chunk in chunks {
                #expect(Array(chunk.bytes.readableBytesView) == Array(bytes[stripe.stripe.objectRange]))
                #expect(chunk.bytes.withUnsafeReadableBytes { UInt(bitPattern: $0.baseAddress) } == base + UInt(stripe.stripe.objectOffset))
            }
        }
        // The array path computes parity through the Galois-field kernels: copies too.
        let computed = try codec.encode(bytes, maxChunkLength: 2048)
        for stripe in computed.stripes {
            for parity in stripe.parityChunks {
                #expect(Array(parity.readableBytesView) == Array(bytes[stripe.stripe.objectRange]))
            }
        }
    }

    @Test("any one replica reassembles the stripe")
    func anyReplicaDecodes() throws {
        let codec = try ReedSolomonCodec(dataChunkCount: 1, parityChunkCount: 2)
        let bytes = randomBytes(count: 1000, seed: 12)
        let stripe = try codec.encode(ByteBuffer(bytes: bytes)).stripes[0]
        for replica in stripe.chunks {
            var restored = [UInt8](repeating: 0, count: bytes.count)
            try restored.withUnsafeMutableBytes { target in
                try codec.reassembleStripe([replica], stripe: stripe.stripe, into: target)
            }
            #expect(restored == bytes, "replica \(replica.index)")
        }
    }

    @Test("k > 1 is still Reed-Solomon: parity differs from the data")
    func erasureCodingUnchanged() throws {
        let codec = try ReedSolomonCodec(dataChunkCount: 2, parityChunkCount: 1)
        #expect(!codec.isReplication)
        let bytes = randomBytes(count: 64, seed: 13)
        let stripe = try codec.encode(bytes).stripes[0]
        #expect(Array(stripe.parityChunks[0].readableBytesView) != Array(bytes[0..<32]))
    }
}
