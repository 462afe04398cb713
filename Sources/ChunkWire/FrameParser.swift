public import NIOCore

/// The reading half of the wire codec, free of any channel: parses frames from the front
/// of a buffer, validating the header against ``WireLimits`` before waiting for (let alone
/// allocating room for) the bytes a header claims.
public struct FrameParser: Sendable {
    /// The limits this parser enforces.
    public let limits: WireLimits

    /// Creates a parser enforcing `limits`.
    public init(limits: WireLimits = .default) {
        self.limits = limits
    }

    /// Parses the next frame at the front of `buffer` and consumes its bytes. Returns nil,
    /// consuming nothing, when `buffer` does not hold a whole frame yet. The frame's key and
    /// payload are slices of `buffer`'s storage: no bytes are copied.
    ///
    /// - Throws: ``WireError`` as soon as the bytes at hand show that the frame is malformed.
    public func parse(_ buffer: inout ByteBuffer) throws(WireError) -> Frame? {
        guard let header = try self.header(in: buffer) else {
            return nil
        }
        guard buffer.readableBytes >= header.frameLength else {
            return nil
        }
        buffer.moveReaderIndex(forwardBy: WireFormat.headerLength)
        // Both slices exist: the lengths were checked against `readableBytes` above.
        let key = buffer.readSlice(length: header.keyLength)!
        let payload = buffer.readSlice(length: header.payloadLength)!
        return Frame(
            header.opcode,
            requestID: header.requestID,
            flags: header.flags,
            key: key,
            stripeIndex: header.stripeIndex,
            chunkIndex: header.chunkIndex,
            k: header.k,
            r: header.r,
            objectLength: header.objectLength,
            payload: payload,
            payloadChecksum: header.payloadChecksum
        )
    }

    /// The total length of the frame at the front of `buffer`, once its header has arrived
    /// and passed validation; nil while the header is incomplete.
    public func frameLength(at buffer: ByteBuffer) throws(WireError) -> Int? {
        try self.header(in: buffer)?.frameLength
    }

    private struct Header {
        var opcode: Opcode
        var flags: FrameFlags
        var requestID: UInt64
        var objectLength: UInt64
        var stripeIndex: UInt32
        var payloadLength: Int
        var payloadChecksum: UInt32
        var keyLength: Int
        var chunkIndex: UInt8
        var k: UInt8
        var r: UInt8

        var frameLength: Int { WireFormat.headerLength + self.keyLength + self.payloadLength }
    }

    private func header(in buffer: ByteBuffer) throws(WireError) -> Header? {
        // Reject garbage as soon as its first bytes are in, not after 48 of them.
        if let magic = buffer.getInteger(at: buffer.readerIndex, endianness: .little, as: UInt32.self),
            magic != WireFormat.magic
        {
            throw WireError(.badMagic, "expected magic \(hex(WireFormat.magic)), got \(hex(magic))")
        }
        guard
            let fields = buffer.getMultipleIntegers(
                at: buffer.readerIndex,
                endianness: .little,
                as: (UInt32, UInt8, UInt8, UInt16, UInt64, UInt64, UInt32, UInt32, UInt32, UInt16, UInt8, UInt8, UInt8, UInt8, UInt16).self
            ),
            let reservedTail = buffer.getInteger(at: buffer.readerIndex + 44, endianness: .little, as: UInt32.self)
        else {
            return nil
        }
        let (_, version, rawOpcode, rawFlags, requestID, objectLength, stripeIndex, payloadLength, checksum, keyLength, chunkIndex, k, r, reserved1, reserved2) = fields
        guard version == WireFormat.version else {
            throw WireError(.unsupportedVersion, "version \(version) is not supported (this receiver speaks \(WireFormat.version))")
        }
        guard let opcode = Opcode(rawValue: rawOpcode) else {
            throw WireError(.unknownOpcode, "opcode 0x\(String(rawOpcode, radix: 16)) is not defined in version \(version)")
        }
        let flags = FrameFlags(rawValue: rawFlags)
        guard flags.isSubset(of: .defined), reserved1 == 0, reserved2 == 0, reservedTail == 0 else {
            throw WireError(.reservedBitsSet, "flags 0x\(String(rawFlags, radix: 16)) or reserved header bytes are not zero")
        }
        guard Int(keyLength) <= self.limits.maximumKeyLength else {
            throw WireError(.keyTooLong, "key of \(keyLength) bytes exceeds the limit of \(self.limits.maximumKeyLength)")
        }
        guard Int(payloadLength) <= self.limits.maximumPayloadLength else {
            throw WireError(.payloadTooLarge, "payload of \(payloadLength) bytes exceeds the limit of \(self.limits.maximumPayloadLength)")
        }
        return Header(
            opcode: opcode,
            flags: flags,
            requestID: requestID,
            objectLength: objectLength,
            stripeIndex: stripeIndex,
            payloadLength: Int(payloadLength),
            payloadChecksum: checksum,
            keyLength: Int(keyLength),
            chunkIndex: chunkIndex,
            k: k,
            r: r
        )
    }
}
