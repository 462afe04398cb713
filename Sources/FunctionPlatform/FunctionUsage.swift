/// What a platform bills one function for.
public struct FunctionUsage: Sendable, Hashable, Codable {
    /// The function.
    public var function: String
    /// The memory configured for each of its instances, in MiB (Lambda's "MB").
    public var memoryMiB: Int
    /// Invocations started.
    public var invocations: Int
    /// Sum of the billed durations of finished invocations, each rounded up to the
    /// platform's granularity.
    public var billedDuration: Duration
    /// Instances started with empty memory.
    public var coldStarts: Int
    /// Instances the provider reclaimed.
    public var reclaims: Int

    /// Creates a usage record.
    public init(function: String, memoryMiB: Int, invocations: Int = 0, billedDuration: Duration = .zero, coldStarts: Int = 0, reclaims: Int = 0) {
        self.function = function
        self.memoryMiB = memoryMiB
        self.invocations = invocations
        self.billedDuration = billedDuration
        self.coldStarts = coldStarts
        self.reclaims = reclaims
    }

    /// Billed GB-seconds: memory in GB (1024 MiB) times billed seconds.
    public var gigabyteSeconds: Double {
        Double(self.memoryMiB) / 1024 * self.billedDuration.seconds
    }
}
