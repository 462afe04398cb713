/// Limits on the objects a proxy accepts, checked from a `putObject` request's header and
/// payload before any placement work, so that a few bytes of request cannot make a proxy
/// do unbounded work: an object cut into millions of one-byte chunks is refused, not
/// placed. Clients check them too, before sending (docs/PROTOCOL.md, "Limits").
public struct ObjectLimits: Sendable, Hashable {
    /// The smallest maximum chunk length a `putObject` may announce. Default 4 KiB: an
    /// object longer than k × this spans several stripes, and smaller chunks would cut it
    /// into many for nothing. An object that fits one stripe may have shorter chunks.
    public var minimumMaxChunkLength: Int
    /// The most stripes one object may span. Default 4,096: with the default 8 MiB chunks
    /// and k = 10 that is 320 GiB, and it bounds the proxy's placement work per request.
    public var maximumStripes: Int

    /// Creates limits; both are at least 1.
    public init(minimumMaxChunkLength: Int = 4096, maximumStripes: Int = 4096) {
        self.minimumMaxChunkLength = max(minimumMaxChunkLength, 1)
        self.maximumStripes = max(maximumStripes, 1)
    }

    /// The defaults described on each property.
    public static let `default` = ObjectLimits()

    /// What is wrong with an object of `objectLength` bytes coded with k =
    /// `dataChunkCount` and chunks of at most `maxChunkLength` bytes, or nil if it is
    /// within the limits — which a non-positive k or chunk length, or a negative object
    /// length, never is.
    public func violation(objectLength: Int, dataChunkCount: Int, maxChunkLength: Int) -> String? {
        guard objectLength >= 0, dataChunkCount > 0, maxChunkLength > 0 else {
            return "an object of \(objectLength) bytes cannot be coded with k = \(dataChunkCount) and chunks of at most \(maxChunkLength) bytes"
        }
        let (product, overflow) = dataChunkCount.multipliedReportingOverflow(by: maxChunkLength)
        let stripeBytes = overflow ? Int.max : product
        let stripes = objectLength == 0 ? 1 : (objectLength - 1) / stripeBytes + 1
        guard stripes == 1 || maxChunkLength >= self.minimumMaxChunkLength else {
            return "an object of \(stripes) stripes needs a maximum chunk length of at least \(self.minimumMaxChunkLength) bytes, not \(maxChunkLength)"
        }
        guard stripes <= self.maximumStripes else {
            return "an object of \(objectLength) bytes in stripes of \(stripeBytes) bytes spans \(stripes) stripes; the limit is \(self.maximumStripes)"
        }
        return nil
    }
}
