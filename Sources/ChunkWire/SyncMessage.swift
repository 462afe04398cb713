import NIOCore

/// The body of the delta-sync frames (``Opcode/syncMark``, ``Opcode/syncDelta``,
/// ``Opcode/syncBegin``, ``Opcode/syncCommit``): which store a backup mirrors and how far.
///
/// Payload layout (little-endian, 33 bytes): store id (8), sequence (8), deletes-through
/// sequence (8), chunk count (8), flags (1; bit 0: full copy, bit 1: more changes follow).
public struct SyncMessage: Sendable, Hashable {
    /// The chunk store the mark refers to; 0 when there is none (a backup never synced).
    public var storeID: UInt64
    /// The store's change sequence number the mark reaches.
    public var sequence: UInt64
    /// The sequence number through which the store's deletes are reflected: equal to
    /// ``sequence``, except part-way through a full copy, which reflects every delete made
    /// before its first page (see `SyncMark` in InfiniCacheNode).
    public var deletesThrough: UInt64
    /// Chunks the sender holds, for the proxy's accounting of chunks lost in a failover.
    public var chunkCount: UInt64
    /// The delta is a full copy: the receiver drops what it held before applying it.
    public var isFullCopy: Bool
    /// The delta stops short of the sender's latest change: ask again from this mark.
    public var hasMore: Bool

    /// Creates a message; `deletesThrough` defaults to `sequence`.
    public init(storeID: UInt64, sequence: UInt64, deletesThrough: UInt64? = nil, chunkCount: UInt64 = 0, isFullCopy: Bool = false, hasMore: Bool = false) {
        self.storeID = storeID
        self.sequence = sequence
        self.deletesThrough = deletesThrough ?? sequence
        self.chunkCount = chunkCount
        self.isFullCopy = isFullCopy
        self.hasMore = hasMore
    }

    /// A frame with opcode `opcode` carrying this message.
    public func frame(_ opcode: Opcode) -> Frame {
        var payload = ByteBuffer()
        payload.writeMultipleIntegers(self.storeID, self.sequence, self.deletesThrough, self.chunkCount, (self.isFullCopy ? UInt8(1) : 0) | (self.hasMore ? 2 : 0), endianness: .little)
        return Frame(opcode, payload: payload)
    }

    /// Reads the message from the payload of `frame`.
    ///
    /// - Throws: ``WireError/Code-swift.struct/malformedMessage`` if the payload does not
    ///   hold exactly one message.
    public init(from frame: Frame) throws(WireError) {
        var payload = frame.payload
        guard
            let (storeID, sequence, deletesThrough, chunkCount, flags) = payload.readMultipleIntegers(endianness: .little, as: (UInt64, UInt64, UInt64, UInt64, UInt8).self),
            payload.readableBytes == 0
        else {
            throw WireError(.malformedMessage, "\(frame.opcode) payload of \(frame.payload.readableBytes) bytes is not a sync message")
        }
        guard flags & ~3 == 0 else {
            throw WireError(.malformedMessage, "sync message flags 0x\(String(flags, radix: 16)) set undefined bits")
        }
        guard deletesThrough >= sequence else {
            throw WireError(.malformedMessage, "sync message reflects deletes through \(deletesThrough), before its sequence number \(sequence)")
        }
        self.init(storeID: storeID, sequence: sequence, deletesThrough: deletesThrough, chunkCount: chunkCount, isFullCopy: flags & 1 != 0, hasMore: flags & 2 != 0)
    }
}
