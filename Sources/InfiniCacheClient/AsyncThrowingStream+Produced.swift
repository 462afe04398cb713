extension AsyncThrowingStream where Failure == any Error {
    /// A stream whose elements `produce` yields from a task of its own: the stream finishes
    /// when `produce` returns, or with the error it throws; a consumer that stops
    /// iterating early cancels the task.
    package static func produced(by produce: @escaping @Sendable (Continuation) async throws -> Void) -> Self {
        let (stream, continuation) = Self.makeStream()
        let task = Task {
            do {
                try await produce(continuation)
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { termination in
            if case .cancelled = termination { task.cancel() }
        }
        return stream
    }
}
