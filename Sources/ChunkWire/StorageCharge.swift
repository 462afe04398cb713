/// What a chunk costs a node's memory cap, as both the node and the proxy's placement
/// count it: its payload, its key (stored with it) and a fixed charge for the node's
/// bookkeeping. Without the last two, objects of empty payloads with long keys could fill
/// a node's memory many times over its cap.
public enum StorageCharge {
    /// Bytes of bookkeeping charged per chunk: 768. A node's store was measured to use
    /// about 680 bytes per chunk besides payload and key (its entry in the chunk table, the
    /// key index, the put log and the payload buffer's header), on Linux x86_64 with Swift
    /// 6.3 (README.md, "Limits").
    public static let perChunkOverhead = 768

    /// The charge of a chunk of `payloadLength` bytes stored under a key of `keyLength`.
    public static func bytes(payloadLength: Int, keyLength: Int) -> Int {
        payloadLength + keyLength + self.perChunkOverhead
    }
}
