/// The kind of message a frame carries. The byte values are part of the wire format
/// (see `docs/PROTOCOL.md`); a receiver rejects any other value with
/// ``WireError/Code-swift.struct/unknownOpcode``.
public enum Opcode: UInt8, Sendable, Hashable, CaseIterable {
    /// Store one chunk: key, stripe and chunk index, k, r, object length and the chunk bytes.
    case putChunk = 0x01
    /// Fetch one chunk by key, stripe and chunk index.
    case getChunk = 0x02
    /// Remove every chunk stored under a key.
    case delete = 0x03
    /// A chunk's bytes with its address, in answer to ``getChunk``.
    case chunkData = 0x04
    /// Acknowledges ``putChunk``.
    case stored = 0x05
    /// Acknowledges ``delete``, ``deleteVersions``, ``flush`` and ``expire``.
    case deleted = 0x06
    /// The requested key or chunk is not held.
    case notFound = 0x07
    /// The request failed: the payload holds an ``ErrorMessage``.
    case error = 0x08
    /// Abandon the request whose id the frame carries; the receiver drops its work and
    /// sends nothing more for it.
    case cancel = 0x09
    /// Client → proxy: announce a write of an object (key, k, r, object length; payload: the
    /// maximum chunk length, 4 bytes, optionally followed by an ``ObjectExpiry``). Answered by ``stored`` carrying the object version the chunks must be
    /// sent with.
    case putObject = 0x0A
    /// Client → proxy: read an object. Answered by ``objectInfo`` then the first k chunks
    /// of every stripe as ``chunkData``, or ``notFound``.
    case getObject = 0x0B
    /// An object's metadata: k, r, object length, object version; payload: the maximum
    /// chunk length, 4 bytes, and the milliseconds the object has left to live, 8 bytes
    /// (signed; -1: it does not expire).
    case objectInfo = 0x0C
    /// Client → proxy: does the object exist? Answered by ``objectInfo`` or ``notFound``.
    case statObject = 0x0D
    /// Client → proxy: report the proxy's counters. Answered by ``statsReport``.
    case stats = 0x0E
    /// The proxy's counters as a JSON object in the payload.
    case statsReport = 0x0F

    /// A cache node registers with the proxy it dialled: the payload holds a ``HelloMessage``.
    case hello = 0x10
    /// The proxy accepted a ``hello``.
    case welcome = 0x11
    /// Liveness probe; answered by ``pong`` with the same request id.
    case ping = 0x12
    /// Answer to ``ping``.
    case pong = 0x13
    /// The platform starts an invocation of a node (the node lifecycle).
    case invoke = 0x14
    /// A node ends its invocation and returns (the node lifecycle).
    case `return` = 0x15
    /// Proxy → backup instance: report the ``SyncMessage`` mark of the last sync it
    /// completed. Answered by ``syncMark``.
    case syncStatus = 0x16
    /// A ``SyncMessage``: a sync mark, or the head of a delta that follows.
    case syncMark = 0x17
    /// Proxy → primary instance: stream the changes since the mark in the payload (a
    /// ``SyncMessage``). Answered by ``syncMark`` (the delta's head), then ``chunkData``
    /// for every chunk stored and ``deleted`` (key and version) for every delete since
    /// the mark, in the order they happened, then ``syncMark`` again as the final response.
    case syncDelta = 0x18
    /// Proxy → backup instance: a delta from the primary in the payload's ``SyncMessage``
    /// follows (a full copy replaces everything held). Answered by ``stored``.
    case syncBegin = 0x19
    /// Proxy → backup instance: the delta begun by ``syncBegin`` is complete; remember the
    /// payload's mark. Answered by ``stored``.
    case syncCommit = 0x1A

    /// Client → proxy: set or remove the expiry of an object. Payload: an ``ObjectExpiry``
    /// (not `keep`). Answered by ``objectInfo``, by ``deleted`` when the time has already
    /// passed (the object is removed), or by ``notFound``.
    case expire = 0x1B
    /// Client → proxy: list keys from a cursor. Payload: the cursor (8 bytes, 0 to start)
    /// and the most keys to return (4 bytes). Answered by ``keyList``.
    case scan = 0x1C
    /// The answer to ``scan``: the cursor to continue from (8 bytes, 0 when the scan is
    /// complete), the number of keys (4 bytes), then each key as its length (2 bytes) and bytes.
    case keyList = 0x1D
    /// Client → proxy: remove every object. Answered by ``deleted``.
    case flush = 0x1E
    /// Client → proxy: write a one-stripe object in one round trip, the announcement and
    /// its chunks in one request (key, k, r, object length; payload: an ``InlinePut``).
    /// Answered by ``stored`` with the new object version once every chunk is stored.
    case putObjectInline = 0x1F
    /// Proxy → node: remove the chunks of several object versions (payload: a
    /// ``DeletionList``). Answered by ``deleted``, or ``error`` (`badRequest`) for a
    /// malformed list, which deletes nothing.
    case deleteVersions = 0x20

    /// Whether this opcode answers a request (rather than asking for something).
    public var isResponse: Bool {
        switch self {
        case .chunkData, .stored, .deleted, .notFound, .error, .objectInfo, .statsReport, .welcome, .pong, .return, .syncMark, .keyList: true
        case .putChunk, .getChunk, .delete, .cancel, .putObject, .getObject, .statObject, .stats, .hello, .ping, .invoke,
            .syncStatus, .syncDelta, .syncBegin, .syncCommit, .expire, .scan, .flush, .putObjectInline, .deleteVersions:
            false
        }
    }
}
