import Synchronization

/// How many bytes the frame decoders sharing it may reserve, all together, for payloads
/// that have only partly arrived. A decoder gathers a large payload into a buffer of its
/// exact size only while the budget has room for it; otherwise the payload's bytes are
/// kept as they arrive (NIO's cumulation buffer), so what a peer's header merely declares
/// never reserves memory beyond the budget. Default: 512 MiB for the process, which is 64
/// concurrent 8 MiB chunks.
public final class GatheringBudget: Sendable {
    /// The budget every decoder uses unless given another.
    public static let shared = GatheringBudget(bytes: 512 << 20)

    /// The most bytes that may be reserved at once.
    public let bytes: Int
    private let reserved = Atomic(0)

    /// Creates a budget of `bytes`.
    public init(bytes: Int) {
        self.bytes = max(bytes, 0)
    }

    /// Bytes reserved now.
    public var inUse: Int {
        self.reserved.load(ordering: .relaxed)
    }

    /// Reserves `count` bytes if the budget has room for them.
    func reserve(_ count: Int) -> Bool {
        var current = self.reserved.load(ordering: .relaxed)
        while current + count <= self.bytes {
            let (exchanged, original) = self.reserved.compareExchange(expected: current, desired: current + count, ordering: .relaxed)
            if exchanged { return true }
            current = original
        }
        return false
    }

    /// Returns `count` reserved bytes.
    func release(_ count: Int) {
        self.reserved.subtract(count, ordering: .relaxed)
    }
}
