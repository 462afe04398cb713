/// One request of a workload trace.
public struct TraceRequest: Sendable, Hashable {
    /// What the request does to the object.
    public enum Operation: String, Sendable, Hashable, CaseIterable {
        /// Read it (cache-aside: a miss fetches it from the backing store and caches it).
        case get
        /// Write a new version of it.
        case put
        /// Remove it.
        case delete
    }

    /// When the request was made, since the trace's first request.
    public var time: Duration
    /// The object: a blob URI in a registry trace.
    public var key: String
    /// The object's size in bytes.
    public var size: Int
    /// What the request does.
    public var operation: Operation
    /// The line of the trace file it came from (1 is the first line).
    public var row: Int

    /// Creates a request.
    public init(time: Duration, key: String, size: Int, operation: Operation = .get, row: Int = 0) {
        self.time = time
        self.key = key
        self.size = size
        self.operation = operation
        self.row = row
    }
}
