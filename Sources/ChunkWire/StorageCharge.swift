/// What a chunk costs a node's memory cap, as both the node and the proxy's placement
/// count it: its payload, its key (stored with it) and a fixed charge for the node's
/// bookkeeping. Without the last two, objects of empty payloads with long keys could fill
/// a node's memory many times over its cap.
public struct StorageCharge: Sendable, Hashable {
    /// Bytes of bookkeeping charged per chunk.
    public let perChunkOverhead: Int
    /// Whether a chunk's key counts against the cap.
    public let countsKeys: Bool

    /// The charge nodes apply: the key, and 768 bytes of bookkeeping. A node's store was
    /// measured to use about 680 bytes per chunk besides payload and key (its entry in the
    /// chunk table, the key index, the put log and the payload buffer's header), on Linux
    /// x86_64 with Swift 6.3 (README.md, "Limits").
    public static let standard = StorageCharge(perChunkOverhead: 768, countsKeys: true)

    /// Payload bytes only: for a simulation that divides every size by a scale factor, in
    /// which a fixed charge per chunk would weigh more than it does at full scale.
    public static let payloadOnly = StorageCharge(perChunkOverhead: 0, countsKeys: false)

    /// Creates a charge; negative overheads count as 0.
    public init(perChunkOverhead: Int, countsKeys: Bool) {
        self.perChunkOverhead = max(perChunkOverhead, 0)
        self.countsKeys = countsKeys
    }

    /// The charge of a chunk of `payloadLength` bytes stored under a key of `keyLength`.
    public func bytes(payloadLength: Int, keyLength: Int) -> Int {
        payloadLength + (self.countsKeys ? keyLength : 0) + self.perChunkOverhead
    }
}
