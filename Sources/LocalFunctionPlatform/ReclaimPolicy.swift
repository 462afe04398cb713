/// When the local platform reclaims idle instances, as a provider does. Running
/// instances are never reclaimed by the policy (only by ``LocalFunctionPlatform/reclaim(_:instance:)``).
public struct ReclaimPolicy: Sendable, Hashable {
    /// An instance idle this long is reclaimed; nil keeps idle instances forever. The
    /// default, 27 minutes, is about how long AWS kept idle Lambda instances when measured.
    public var maximumIdleLifetime: Duration?
    /// Chance per hour that an idle instance is reclaimed at random, as a rate: an instance
    /// idle for `t` hours survives with probability `exp(-rate × t)`. 0 turns it off.
    public var hazardPerHour: Double
    /// Seed of the random draws, so that a run can be repeated.
    public var seed: UInt64

    /// Creates a policy; the defaults mirror what was measured on AWS, with no random
    /// reclaims.
    public init(maximumIdleLifetime: Duration? = .seconds(27 * 60), hazardPerHour: Double = 0, seed: UInt64 = 0x1CAC_4E5E) {
        self.maximumIdleLifetime = maximumIdleLifetime
        self.hazardPerHour = max(hazardPerHour, 0)
        self.seed = seed
    }
}
