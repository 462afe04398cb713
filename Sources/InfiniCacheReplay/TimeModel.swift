/// Times the simulated clock cannot see, at full scale: how long functions move chunks
/// (which their bill includes), what invoking a function that is not running adds, and
/// how long a miss takes to fetch from the backing store. Latencies from it are modelled,
/// not measured.
public struct TimeModel: Sendable, Hashable {
    /// Each function's network rate, in bits per second. Default 800 Mbit/s (AWS Lambda
    /// moved about 0.5 Gbit/s on average when measured, more alone on a host).
    public var functionBitsPerSecond: Double
    /// Added to a request whose functions were not running: the paper measured about
    /// 13 ms to invoke a Lambda function.
    public var invocationOverhead: Duration
    /// Time to the first byte of an object fetched from the backing store on a miss.
    /// Default 100 ms: the low end of the 100–200 ms AWS gives for S3 ("Best Practices
    /// Design Patterns: Optimizing Amazon S3 Performance", 2019).
    public var backingStoreFirstByte: Duration
    /// The backing store's rate for one object, in bits per second. Default 720 Mbit/s
    /// (90 MB/s): an assumption, about what one S3 GET stream delivers to EC2 in public
    /// measurements; AWS gives no per-stream figure.
    public var backingStoreBitsPerSecond: Double

    /// Creates a model; the defaults are documented on each property. Rates must be finite
    /// and positive, and durations not negative (``ReplayConfiguration/validate()``
    /// checks).
    public init(
        functionBitsPerSecond: Double = 800e6,
        invocationOverhead: Duration = .milliseconds(13),
        backingStoreFirstByte: Duration = .milliseconds(100),
        backingStoreBitsPerSecond: Double = 720e6
    ) {
        self.functionBitsPerSecond = functionBitsPerSecond
        self.invocationOverhead = invocationOverhead
        self.backingStoreFirstByte = backingStoreFirstByte
        self.backingStoreBitsPerSecond = backingStoreBitsPerSecond
    }

    /// A hit on an object of `size` bytes spread over `dataChunkCount` functions: each
    /// function moves its share over its own link, and the read pays the invocation
    /// overhead unless `dataChunkCount` of the object's functions were already running
    /// (first-d needs only that many).
    func hitLatency(size: Int, dataChunkCount: Int, runningFunctions: Int) -> Duration {
        let transfer = Duration.seconds(Double(size) / Double(dataChunkCount) * 8 / self.functionBitsPerSecond)
        return transfer + (runningFunctions >= dataChunkCount ? .zero : self.invocationOverhead)
    }

    /// A miss: the object comes from the backing store (caching it afterwards is off the
    /// reader's path).
    func missLatency(size: Int) -> Duration {
        self.backingStoreFirstByte + .seconds(Double(size) * 8 / self.backingStoreBitsPerSecond)
    }
}
