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
    /// - Throws: ``WireError`` as soon as the bytes at hand show that the frame is malformed
    ///   or exceeds a limit.
    public func parse(_ buffer: inout ByteBuffer) throws(WireError) -> Frame? {
        guard let header = try self.header(in: buffer) else {
            return nil
        }
        if let refusal = header.refusal {
            throw refusal
        }
        return self.frame(header, from: &buffer)
    }

    /// What is at the front of a buffer.
    enum Parsed {
        /// A whole frame, consumed.
        case frame(Frame)
        /// A frame refused for a field over a limit, its header consumed; the caller skips
        /// the `skip` bytes of its key and payload that follow.
        case refused(RefusedFrame, skip: Int)
    }

    /// Like ``parse(_:)``, but a frame that exceeds a limit without being malformed is
    /// refused as soon as its header is in, without losing the stream's framing.
    func next(_ buffer: inout ByteBuffer) throws(WireError) -> Parsed? {
        guard let header = try self.header(in: buffer) else {
            return nil
        }
        if let refusal = header.refusal {
            buffer.moveReaderIndex(forwardBy: WireFormat.headerLength)
            let refused = RefusedFrame(requestID: header.raw.requestID, opcode: header.opcode, flags: header.flags, error: refusal)
            return .refused(refused, skip: header.keyLength + header.payloadLength)
        }
        return self.frame(header, from: &buffer).map { .frame($0) }
    }

    private func frame(_ header: Header, from buffer: inout ByteBuffer) -> Frame? {
        guard buffer.readableBytes >= header.frameLength else {
            return nil
        }
        buffer.moveReaderIndex(forwardBy: WireFormat.headerLength)
        // Both slices exist: the lengths were checked against `readableBytes` above.
        let key = buffer.readSlice(length: header.keyLength)!
        let payload = buffer.readSlice(length: header.payloadLength)!
        return header.frame(key: key, payload: payload)
    }

    /// Starts gathering a frame whose header and key are at the front of `buffer` but whose
    /// payload of at least `minimumPayloadLength` bytes is not all there yet: consumes the
    /// header, the key (copied: it is small, and a slice would pin the received storage)
    /// and the payload bytes at hand, which go into a buffer from `allocator` with room
    /// for the whole payload, reserved from `budget`. Returns the frame and how many payload
    /// bytes are missing, or nil, consuming nothing, when the frame is not such a frame or
    /// the budget has no room for its payload.
    func beginGathering(
        _ buffer: inout ByteBuffer,
        minimumPayloadLength: Int,
        budget: GatheringBudget,
        allocator: ByteBufferAllocator
    ) throws(WireError) -> (frame: Frame, missing: Int)? {
        guard let header = try self.header(in: buffer),
            header.refusal == nil,
            header.payloadLength >= minimumPayloadLength,
            buffer.readableBytes >= WireFormat.headerLength + header.keyLength,
            buffer.readableBytes < header.frameLength,
            budget.reserve(header.payloadLength)
        else {
            return nil
        }
        buffer.moveReaderIndex(forwardBy: WireFormat.headerLength)
        var key = allocator.buffer(capacity: header.keyLength)
        key.writeImmutableBuffer(buffer.readSlice(length: header.keyLength)!)
        var payload = allocator.buffer(capacity: header.payloadLength)
        payload.writeImmutableBuffer(buffer.readSlice(length: buffer.readableBytes)!)
        return (header.frame(key: key, payload: payload), header.payloadLength - payload.readableBytes)
    }

    private struct Header {
        var opcode: Opcode
        var flags: FrameFlags
        var raw: RawHeader
        /// Set when a field exceeds a limit but the frame's extent is known and acceptable,
        /// so that it can be refused and skipped.
        var refusal: WireError?

        var keyLength: Int { Int(self.raw.keyLength) }
        var payloadLength: Int { Int(self.raw.payloadLength) }
        var frameLength: Int { WireFormat.headerLength + self.keyLength + self.payloadLength }

        func frame(key: ByteBuffer, payload: ByteBuffer) -> Frame {
            Frame(
                self.opcode,
                requestID: self.raw.requestID,
                flags: self.flags,
                key: key,
                stripeIndex: self.raw.stripeIndex,
                chunkIndex: self.raw.chunkIndex,
                k: self.raw.k,
                r: self.raw.r,
                objectLength: self.raw.objectLength,
                objectVersion: self.raw.objectVersion,
                payload: payload,
                payloadChecksum: self.raw.payloadChecksum
            )
        }
    }

    private func header(in buffer: ByteBuffer) throws(WireError) -> Header? {
        // Reject garbage as soon as its first bytes are in, not after 48 of them.
        if let magic = buffer.getInteger(at: buffer.readerIndex, endianness: .little, as: UInt32.self),
            magic != WireFormat.magic
        {
            throw WireError(.badMagic, "expected magic \(hex(WireFormat.magic)), got \(hex(magic))")
        }
        guard buffer.readableBytes >= WireFormat.headerLength else {
            return nil
        }
        let raw = buffer.withUnsafeReadableBytes { RawHeader(loadingFrom: $0) }
        guard raw.version == WireFormat.version else {
            throw WireError(.unsupportedVersion, "version \(raw.version) is not supported (this receiver speaks \(WireFormat.version))")
        }
        guard let opcode = Opcode(rawValue: raw.opcode) else {
            throw WireError(.unknownOpcode, "opcode 0x\(String(raw.opcode, radix: 16)) is not defined in version \(raw.version)")
        }
        let flags = FrameFlags(rawValue: raw.flags)
        guard flags.isSubset(of: .defined), !raw.reservedBytesSet else {
            throw WireError(.reservedBitsSet, "flags 0x\(String(raw.flags, radix: 16)) or reserved header bytes are not zero")
        }
        guard Int(raw.payloadLength) <= self.limits.maximumPayloadLength else {
            throw WireError(.payloadTooLarge, "payload of \(raw.payloadLength) bytes exceeds the limit of \(self.limits.maximumPayloadLength)")
        }
        // A key over the limit is at most 64 KiB (its field has 16 bits): the frame can be
        // skipped and refused alone.
        let refusal = Int(raw.keyLength) <= self.limits.maximumKeyLength
            ? nil : WireError(.keyTooLong, "key of \(raw.keyLength) bytes exceeds the limit of \(self.limits.maximumKeyLength)")
        return Header(opcode: opcode, flags: flags, raw: raw, refusal: refusal)
    }
}
