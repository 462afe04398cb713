/// A workload: requests in time order, with the rows of its file that could not be read.
public struct Trace: Sendable {
    /// A row that was skipped, and why.
    public struct MalformedRow: Sendable, Hashable {
        /// Its line in the file (1 is the first line).
        public var row: Int
        /// What is wrong with it.
        public var reason: String
    }

    /// The requests, sorted by time (rows with the same time keep their file order), the
    /// first at time zero.
    public var requests: [TraceRequest]
    /// Rows skipped as malformed, in file order: the first ``maximumMalformedRowsKept``.
    public var malformedRows: [MalformedRow]
    /// All the rows skipped as malformed.
    public var malformedRowCount: Int

    /// Malformed rows kept with their reason; the rest are counted only.
    public static let maximumMalformedRowsKept = 100

    /// Creates a trace of `requests`, sorting them by time and moving the earliest to
    /// time zero.
    public init(requests: [TraceRequest], malformedRows: [MalformedRow] = [], malformedRowCount: Int? = nil) {
        let origin = requests.map(\.time).min() ?? .zero
        self.requests = requests.enumerated()
            .sorted { ($0.element.time, $0.offset) < ($1.element.time, $1.offset) }
            .map { entry in
                var request = entry.element
                request.time -= origin
                return request
            }
        self.malformedRows = Array(malformedRows.prefix(Self.maximumMalformedRowsKept))
        self.malformedRowCount = malformedRowCount ?? malformedRows.count
    }

    /// The time from the first request to the last.
    public var duration: Duration { self.requests.last?.time ?? .zero }

    /// The whole hours the trace spans, counting the hour its last request falls in (at
    /// least one).
    public var hours: Int {
        let (seconds, _) = self.duration.components
        return Int(seconds / 3600) + 1
    }

    /// The requests made in the first `duration` of the trace.
    public func prefix(_ duration: Duration) -> Trace {
        var trace = self
        trace.requests = self.requests.filter { $0.time < duration }
        return trace
    }
}
