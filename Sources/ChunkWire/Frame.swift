public import NIOCore

/// One message of the chunk wire format: a fixed header, a key and a payload.
///
/// A decoded frame's ``key`` and ``payload`` are slices of the received bytes, and an
/// encoded frame's payload is written as its own buffer: payload bytes are never copied by
/// the format. See `docs/PROTOCOL.md` for the byte layout.
public struct Frame: Sendable, Hashable {
    /// What the frame asks for or answers.
    public var opcode: Opcode
    /// Flags such as ``FrameFlags/more``.
    public var flags: FrameFlags
    /// Matches responses to requests on a connection that carries many at once. Id 0 is
    /// reserved for connection-level messages (hello, welcome, ping, pong, connection errors).
    public var requestID: UInt64
    /// The object key (for chunk messages) as raw bytes.
    public var key: ByteBuffer
    /// Which stripe of the object the chunk belongs to.
    public var stripeIndex: UInt32
    /// The chunk's index within its stripe, `0 ..< k + r`.
    public var chunkIndex: UInt8
    /// Data chunks per stripe of the object.
    public var k: UInt8
    /// Parity chunks per stripe of the object.
    public var r: UInt8
    /// The whole object's length in bytes, so any k chunks suffice to rebuild its layout.
    public var objectLength: UInt64
    /// Which write of the key the chunk belongs to, so that an overwrite never mixes with
    /// the object it replaces; 0 where a message is not about one version.
    public var objectVersion: UInt32
    /// The chunk bytes or the message body.
    public var payload: ByteBuffer
    /// CRC-32C of ``payload`` as the sender computed it.
    public var payloadChecksum: UInt32

    /// Creates a frame. With `payloadChecksum` nil the CRC-32C of `payload` is computed
    /// here; pass the value a chunk already carries to forward it without touching the bytes.
    public init(
        _ opcode: Opcode,
        requestID: UInt64 = 0,
        flags: FrameFlags = [],
        key: ByteBuffer = ByteBuffer(),
        stripeIndex: UInt32 = 0,
        chunkIndex: UInt8 = 0,
        k: UInt8 = 0,
        r: UInt8 = 0,
        objectLength: UInt64 = 0,
        objectVersion: UInt32 = 0,
        payload: ByteBuffer = ByteBuffer(),
        payloadChecksum: UInt32? = nil
    ) {
        self.opcode = opcode
        self.requestID = requestID
        self.flags = flags
        self.key = key
        self.stripeIndex = stripeIndex
        self.chunkIndex = chunkIndex
        self.k = k
        self.r = r
        self.objectLength = objectLength
        self.objectVersion = objectVersion
        self.payload = payload
        self.payloadChecksum = payloadChecksum ?? CRC32C.checksum(payload)
    }

    /// Number of bytes the frame occupies on the wire.
    public var encodedLength: Int {
        WireFormat.headerLength + self.key.readableBytes + self.payload.readableBytes
    }

    /// Throws ``WireError/Code-swift.struct/checksumMismatch`` unless the payload's CRC-32C
    /// equals ``payloadChecksum``. The final receiver of a payload calls this; a relay that
    /// only forwards it may skip it.
    public func verifyPayloadChecksum() throws(WireError) {
        let actual = CRC32C.checksum(self.payload)
        guard actual == self.payloadChecksum else {
            throw WireError(
                .checksumMismatch,
                "payload of \(self.payload.readableBytes) bytes has CRC-32C \(hex(actual)), header says \(hex(self.payloadChecksum))"
            )
        }
    }

    /// This frame with its request id replaced, as a transport numbers a request.
    public func withRequestID(_ requestID: UInt64) -> Frame {
        var frame = self
        frame.requestID = requestID
        return frame
    }

    /// A response to this request: same request id, chunk address and version, no key or
    /// payload.
    public func response(_ opcode: Opcode, flags: FrameFlags = []) -> Frame {
        Frame(
            opcode,
            requestID: self.requestID,
            flags: flags,
            stripeIndex: self.stripeIndex,
            chunkIndex: self.chunkIndex,
            k: self.k,
            r: self.r,
            objectLength: self.objectLength,
            objectVersion: self.objectVersion,
            payloadChecksum: 0
        )
    }
}

func hex(_ value: UInt32) -> String {
    "0x" + String(value, radix: 16, uppercase: true)
}
