public import NIOCore

/// The payload of a ``Opcode/deleteVersions``: object versions whose chunks a node removes
/// in one request, so that the deletions a proxy gathers for a node while its previous
/// batch travels share one frame and one answer.
///
/// On the wire (little-endian): the number of versions (4 bytes), then each as its object
/// version (4 bytes; 0 = every version of the key), its key's length (2 bytes) and the key.
public struct DeletionList: Sendable, Hashable {
    /// One object version to delete.
    public struct Entry: Sendable, Hashable {
        /// The object's key.
        public var key: ByteBuffer
        /// The object version whose chunks go; 0 removes every version of `key`.
        public var version: UInt32

        /// Creates an entry for `version` of `key`.
        public init(key: ByteBuffer, version: UInt32) {
            self.key = key
            self.version = version
        }
    }

    /// The versions to delete, in the order the node removes them.
    public var entries: [Entry]

    /// Creates a list of `entries`.
    public init(_ entries: [Entry]) {
        self.entries = entries
    }

    /// Bytes one entry for a key of `keyLength` bytes occupies.
    public static func encodedLength(keyLength: Int) -> Int { 4 + 2 + keyLength }

    /// Bytes ``write(to:)`` appends.
    public var encodedLength: Int {
        self.entries.reduce(4) { $0 + Self.encodedLength(keyLength: $1.key.readableBytes) }
    }

    /// Appends the payload to `buffer`. Keys must be at most `UInt16.max` bytes, as every
    /// frame's key is.
    public func write(to buffer: inout ByteBuffer) {
        buffer.reserveCapacity(minimumWritableBytes: self.encodedLength)
        buffer.writeInteger(UInt32(self.entries.count), endianness: .little)
        for entry in self.entries {
            buffer.writeMultipleIntegers(entry.version, UInt16(entry.key.readableBytes), endianness: .little)
            buffer.writeImmutableBuffer(entry.key)
        }
    }

    /// Reads a payload; the keys are slices of `payload`, not copies.
    ///
    /// - Throws: ``WireError`` with code `malformedMessage` if the payload is short, holds
    ///   fewer entries than its count, or bytes left over.
    public init(from payload: ByteBuffer) throws(WireError) {
        var payload = payload
        guard let count = payload.readInteger(endianness: .little, as: UInt32.self) else {
            throw WireError(.malformedMessage, "a deletion list starts with its entry count")
        }
        // Each entry takes at least 6 bytes: a count beyond that is a lie, caught before
        // any array of its size is reserved.
        guard Int(count) <= payload.readableBytes / Self.encodedLength(keyLength: 0) else {
            throw WireError(.malformedMessage, "a deletion list of \(count) entries needs at least \(Int(count) * 6) bytes after its count; it has \(payload.readableBytes)")
        }
        var entries: [Entry] = []
        entries.reserveCapacity(Int(count))
        for index in 0..<Int(count) {
            guard let (version, keyLength) = payload.readMultipleIntegers(endianness: .little, as: (UInt32, UInt16).self),
                  let key = payload.readSlice(length: Int(keyLength))
            else {
                throw WireError(.malformedMessage, "entry \(index) of a deletion list of \(count) is cut short")
            }
            entries.append(Entry(key: key, version: version))
        }
        guard payload.readableBytes == 0 else {
            throw WireError(.malformedMessage, "a deletion list of \(count) entries has \(payload.readableBytes) bytes left over")
        }
        self.entries = entries
    }
}
