

/// Arithmetic on durations the package's modules share (not public API).
extension Duration {
    /// The duration in seconds, as a floating-point number.
    package var seconds: Double {
        let (seconds, attoseconds) = self.components
        return Double(seconds) + Double(attoseconds) / 1e18
    }

    /// This duration rounded up to a whole number of `granularity` units (itself when
    /// `granularity` is not positive).
    /// Nanosecond precision, in integers: a float division could round 300 ms / 100 ms up
    /// to 4 units.
    package func roundedUp(to granularity: Duration) -> Duration {
        let unit = granularity.nanoseconds
        guard unit > 0 else { return self }
        let units = (max(self.nanoseconds, 0) + unit - 1) / unit
        return .nanoseconds(units * unit)
    }

    /// The duration in whole nanoseconds (truncated).
    package var nanoseconds: Int64 {
        let (seconds, attoseconds) = self.components
        return seconds * 1_000_000_000 + attoseconds / 1_000_000_000
    }
}
