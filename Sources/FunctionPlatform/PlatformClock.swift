import Synchronization

/// The time a function platform and the proxy's lifecycle schedule run on: the system
/// clock in production, a ``ManualClock`` in tests and time-compressed simulations.
public protocol PlatformClock: Sendable {
    /// Time elapsed since the clock's origin.
    var now: Duration { get }
}

/// Real time since the clock was created.
public struct SystemPlatformClock: PlatformClock {
    private let origin = ContinuousClock.now

    /// Creates a clock whose origin is now.
    public init() {}

    public var now: Duration { ContinuousClock.now - self.origin }
}

/// A clock that moves only when told to: tests and simulations advance it explicitly, so
/// schedules and bills are deterministic.
public final class ManualClock: PlatformClock {
    private let time = Mutex(Duration.zero)

    /// Creates a clock at time zero.
    public init() {}

    public var now: Duration { self.time.withLock { $0 } }

    /// Moves the clock forward by `duration` (negative durations are ignored).
    public func advance(by duration: Duration) {
        self.time.withLock { $0 += max(duration, .zero) }
    }
}
