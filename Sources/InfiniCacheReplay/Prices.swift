public import FunctionPlatform

/// Prices of the systems a replay compares: Lambda (the serverless cache's bill), an
/// always-on ElastiCache node, and ElastiCache Serverless.
public struct Prices: Sendable, Hashable {
    /// Lambda's prices ($0.20 per million invocations, $0.0000166667 per GB-second) and
    /// the always-on node's hourly price (cache.r5.24xlarge, $10.368, as in the paper).
    public var lambda: CostMeter
    /// ElastiCache Serverless (Redis OSS), dollars per GB-hour of data stored: $0.125
    /// (AWS's us-east-1 list price since ElastiCache Serverless launched, November 2023).
    public var serverlessPerGigabyteHour: Double
    /// ElastiCache Serverless, dollars per million ECPUs: $0.0034; a request uses one
    /// ECPU per KiB it moves (the same list, same date).
    public var serverlessPerMillionECPUs: Double

    /// Creates prices; the defaults are documented on each property.
    public init(lambda: CostMeter = CostMeter(), serverlessPerGigabyteHour: Double = 0.125, serverlessPerMillionECPUs: Double = 0.0034) {
        self.lambda = lambda
        self.serverlessPerGigabyteHour = serverlessPerGigabyteHour
        self.serverlessPerMillionECPUs = serverlessPerMillionECPUs
    }

    /// ECPUs of a request that moves `bytes`: one per KiB started, at least one.
    static func ecpus(bytes: Int) -> Int {
        max(1, (bytes + 1023) / 1024)
    }
}
