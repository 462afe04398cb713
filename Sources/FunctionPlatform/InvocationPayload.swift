/// Why the proxy invokes a function: the invocation's payload. The local platform uses it
/// to decide how the invocation ends (a serving one returns when idle; the others when
/// the proxy ends them).
public enum InvocationPayload: String, Sendable, Hashable, Codable {
    /// Serve the proxy's requests until idle.
    case serve
    /// Run briefly so that the provider keeps the instance.
    case warmUp
    /// Act as the backup instance in a delta sync.
    case backup
}
