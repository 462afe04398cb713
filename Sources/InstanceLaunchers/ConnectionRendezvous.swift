import ChunkTransport
import ChunkTransportTCP
import Synchronization

/// Hands each instance's connection to the launch waiting for it, whichever comes first.
final class ConnectionRendezvous: Sendable {
    private struct State {
        var arrived: [UInt64: FrameConnection] = [:]
        var waiting: [UInt64: CheckedContinuation<FrameConnection, any Error>] = [:]
    }

    private let state = Mutex(State())

    func arrived(_ connection: FrameConnection, instance: UInt64) {
        let waiter = self.state.withLock { state in
            guard let waiter = state.waiting.removeValue(forKey: instance) else {
                state.arrived[instance] = connection
                return nil as CheckedContinuation<FrameConnection, any Error>?
            }
            return waiter
        }
        waiter?.resume(returning: connection)
    }

    func connection(for instance: UInt64, within timeout: Duration) async throws -> FrameConnection {
        try await withCheckedThrowingContinuation { continuation in
            let ready = self.state.withLock { state in
                guard let connection = state.arrived.removeValue(forKey: instance) else {
                    state.waiting[instance] = continuation
                    return nil as FrameConnection?
                }
                return connection
            }
            guard let ready else {
                // Started only once the waiter is registered, so it cannot miss it; a
                // waiter already served is simply gone by then.
                Task {
                    try? await Task.sleep(for: timeout)
                    let waiter = self.state.withLock { $0.waiting.removeValue(forKey: instance) }
                    waiter?.resume(throwing: TransportError(.timedOut, "instance \(instance) did not dial in within \(timeout)"))
                }
                return
            }
            continuation.resume(returning: ready)
        }
    }
}
