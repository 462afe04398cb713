import Synchronization

/// A wall clock a test moves by hand, in milliseconds since the Unix epoch: pass
/// `{ clock.milliseconds }` where a proxy takes its clock.
public final class ManualWallClock: Sendable {
    private let now: Atomic<Int64>

    /// A clock reading `start` (a date in 2027 by default).
    public init(start: Int64 = 1_800_000_000_000) {
        self.now = Atomic(start)
    }

    /// The time now.
    public var milliseconds: Int64 { self.now.load(ordering: .relaxed) }

    /// Moves the clock forward.
    public func advance(by milliseconds: Int64) {
        self.now.add(milliseconds, ordering: .relaxed)
    }
}
