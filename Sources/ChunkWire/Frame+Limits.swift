import NIOCore

extension Frame {
    /// Whether the key and payload fit their header length fields (16 and 32 bits), so
    /// that the frame can be written at all.
    public var fitsLengthFields: Bool {
        self.key.readableBytes <= Int(UInt16.max) && self.payload.readableBytes <= Int(UInt32.max)
    }

    /// Checks the frame against the limits a receiver enforces, so a sender can refuse it
    /// before it leaves.
    ///
    /// - Throws: ``WireError`` with code `keyTooLong` or `payloadTooLarge`, naming the limit.
    public func checkLimits(_ limits: WireLimits) throws(WireError) {
        guard self.key.readableBytes <= limits.maximumKeyLength else {
            throw WireError(.keyTooLong, "a key of \(self.key.readableBytes) bytes exceeds the limit of \(limits.maximumKeyLength)")
        }
        guard self.payload.readableBytes <= limits.maximumPayloadLength else {
            throw WireError(.payloadTooLarge, "a payload of \(self.payload.readableBytes) bytes exceeds the limit of \(limits.maximumPayloadLength)")
        }
    }
}
