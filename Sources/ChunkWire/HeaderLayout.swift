import NIOCore

/// The header's fields as raw values, read from or written to its 48 bytes in one pass
/// over a raw pointer: the per-frame cost of framing is mostly this, so it avoids the
/// bounds and capacity checks of field-by-field `ByteBuffer` access.
struct RawHeader {
    /// Byte offsets of the fields; the table in ``WireFormat`` documents them.
    enum Offset {
        static let magic = 0
        static let version = 4
        static let opcode = 5
        static let flags = 6
        static let requestID = 8
        static let objectLength = 16
        static let stripeIndex = 24
        static let payloadLength = 28
        static let payloadChecksum = 32
        static let keyLength = 36
        static let chunkIndex = 38
        static let k = 39
        static let r = 40
        static let reserved = 41
        static let objectVersion = 44
    }

    var magic: UInt32
    var version: UInt8
    var opcode: UInt8
    var flags: UInt16
    var requestID: UInt64
    var objectLength: UInt64
    var stripeIndex: UInt32
    var payloadLength: UInt32
    var payloadChecksum: UInt32
    var keyLength: UInt16
    var chunkIndex: UInt8
    var k: UInt8
    var r: UInt8
    var objectVersion: UInt32
    /// Whether any of the three reserved bytes is not zero.
    var reservedBytesSet: Bool

    /// The header of `frame`.
    ///
    /// - Throws: ``WireError`` with code `keyTooLong` or `payloadTooLarge` if the key or
    ///   payload does not fit its length field: nothing is ever written truncated.
    init(of frame: Frame) throws(WireError) {
        guard let keyLength = UInt16(exactly: frame.key.readableBytes) else {
            throw WireError(.keyTooLong, "a key of \(frame.key.readableBytes) bytes does not fit the 16-bit key length field (at most \(UInt16.max))")
        }
        guard let payloadLength = UInt32(exactly: frame.payload.readableBytes) else {
            throw WireError(.payloadTooLarge, "a payload of \(frame.payload.readableBytes) bytes does not fit the 32-bit payload length field")
        }
        self.magic = WireFormat.magic
        self.version = WireFormat.version
        self.opcode = frame.opcode.rawValue
        self.flags = frame.flags.rawValue
        self.requestID = frame.requestID
        self.objectLength = frame.objectLength
        self.stripeIndex = frame.stripeIndex
        self.payloadLength = payloadLength
        self.payloadChecksum = frame.payloadChecksum
        self.keyLength = keyLength
        self.chunkIndex = frame.chunkIndex
        self.k = frame.k
        self.r = frame.r
        self.objectVersion = frame.objectVersion
        self.reservedBytesSet = false
    }

    /// Reads a header from the first ``WireFormat/headerLength`` bytes of `bytes`.
    init(loadingFrom bytes: UnsafeRawBufferPointer) {
        precondition(bytes.count >= WireFormat.headerLength)
        self.magic = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: Offset.magic, as: UInt32.self))
        self.version = bytes[Offset.version]
        self.opcode = bytes[Offset.opcode]
        self.flags = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: Offset.flags, as: UInt16.self))
        self.requestID = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: Offset.requestID, as: UInt64.self))
        self.objectLength = UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: Offset.objectLength, as: UInt64.self))
        self.stripeIndex = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: Offset.stripeIndex, as: UInt32.self))
        self.payloadLength = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: Offset.payloadLength, as: UInt32.self))
        self.payloadChecksum = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: Offset.payloadChecksum, as: UInt32.self))
        self.keyLength = UInt16(littleEndian: bytes.loadUnaligned(fromByteOffset: Offset.keyLength, as: UInt16.self))
        self.chunkIndex = bytes[Offset.chunkIndex]
        self.k = bytes[Offset.k]
        self.r = bytes[Offset.r]
        self.objectVersion = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: Offset.objectVersion, as: UInt32.self))
        // Bytes 41 ..< 44 are reserved: the 32-bit word at 40 covers them, minus `r`.
        self.reservedBytesSet = UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: Offset.r, as: UInt32.self)) >> 8 != 0
    }

    /// Writes the header to the first ``WireFormat/headerLength`` bytes of `bytes`.
    func store(into bytes: UnsafeMutableRawBufferPointer) {
        precondition(bytes.count >= WireFormat.headerLength)
        bytes.storeBytes(of: self.magic.littleEndian, toByteOffset: Offset.magic, as: UInt32.self)
        bytes[Offset.version] = self.version
        bytes[Offset.opcode] = self.opcode
        bytes.storeBytes(of: self.flags.littleEndian, toByteOffset: Offset.flags, as: UInt16.self)
        bytes.storeBytes(of: self.requestID.littleEndian, toByteOffset: Offset.requestID, as: UInt64.self)
        bytes.storeBytes(of: self.objectLength.littleEndian, toByteOffset: Offset.objectLength, as: UInt64.self)
        bytes.storeBytes(of: self.stripeIndex.littleEndian, toByteOffset: Offset.stripeIndex, as: UInt32.self)
        bytes.storeBytes(of: self.payloadLength.littleEndian, toByteOffset: Offset.payloadLength, as: UInt32.self)
        bytes.storeBytes(of: self.payloadChecksum.littleEndian, toByteOffset: Offset.payloadChecksum, as: UInt32.self)
        bytes.storeBytes(of: self.keyLength.littleEndian, toByteOffset: Offset.keyLength, as: UInt16.self)
        bytes[Offset.chunkIndex] = self.chunkIndex
        bytes[Offset.k] = self.k
        // `r` and the three reserved bytes after it, as one little-endian word.
        bytes.storeBytes(of: UInt32(self.r).littleEndian, toByteOffset: Offset.r, as: UInt32.self)
        bytes.storeBytes(of: self.objectVersion.littleEndian, toByteOffset: Offset.objectVersion, as: UInt32.self)
    }
}
