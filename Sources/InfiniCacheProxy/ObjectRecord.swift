import ChunkWire
import ErasureCoding
import NIOCore

/// One version of an object as the proxy maps it: its coding parameters and, for every
/// stripe, the node holding each chunk index.
struct ObjectRecord: Sendable {
    var key: ByteBuffer
    var version: UInt32
    var k: Int
    var r: Int
    var objectLength: Int
    var maxChunkLength: Int
    /// `placement[stripe][chunkIndex]` is the node holding that chunk.
    var placement: [[NodeID]]
    /// Length of every chunk of each stripe.
    var chunkLengths: [Int]
    /// What each chunk of each stripe costs its node (a `StorageCharge`): the cap counts
    /// key and bookkeeping too.
    var charges: [Int]
    /// When this version expires, in milliseconds since the Unix epoch; nil: never.
    var expiresAt: Int64?

    var chunkCount: Int { self.placement.count * (self.k + self.r) }
    var bytes: Int { self.chunkLengths.reduce(0) { $0 + $1 * (self.k + self.r) } }
    var id: VersionID { VersionID(key: self.key, version: self.version) }
    /// The version's stripes, as placed.
    var layout: StripeLayout {
        // The record was made from a layout that validated these values.
        try! StripeLayout(objectLength: self.objectLength, dataChunkCount: self.k, parityChunkCount: self.r, maxChunkLength: self.maxChunkLength)
    }

    /// The `objectInfo` frame that describes this version to a reader at `now`
    /// (milliseconds since the Unix epoch), with the time it has left to live.
    func infoFrame(now: Int64) -> Frame {
        var payload = ByteBuffer()
        payload.writeInteger(UInt32(self.maxChunkLength), endianness: .little)
        payload.writeInteger(self.expiresAt.map { max($0 &- now, 0) } ?? -1, endianness: .little)
        return Frame(.objectInfo, k: UInt8(self.k), r: UInt8(self.r), objectLength: UInt64(self.objectLength), objectVersion: self.version, payload: payload)
    }
}
