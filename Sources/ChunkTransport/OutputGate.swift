import Synchronization

/// Whether a connection can take more output now, and a way to wait until it can: a
/// responder that produces a lot (the proxy pulling the stripes of a large object from its
/// nodes) pulls more only while the requester reads what it already has. Transports close
/// the gate while a connection's outbound buffer is above its high-water mark and open it
/// when the buffer drains; a gate that nothing closes is always open.
public final class OutputGate: Sendable {
    private struct State {
        var isOpen = true
        var waiters: [@Sendable () -> Void] = []
    }

    private let state = Mutex(State())

    /// Creates an open gate.
    public init() {}

    /// A gate that is always open, for transports without flow control (in process).
    public static let alwaysOpen = OutputGate()

    /// Whether output can go out now.
    public var isOpen: Bool {
        self.state.withLock { $0.isOpen }
    }

    /// Runs `action` once the gate is open: at once, on the caller's thread, if it is;
    /// otherwise on the thread that opens it (a transport's event loop), after the gate's
    /// lock is released. `action` must not block, and may find the gate closed again.
    public func whenOpen(_ action: @escaping @Sendable () -> Void) {
        let now = self.state.withLock { state in
            if !state.isOpen {
                state.waiters.append(action)
            }
            return state.isOpen
        }
        if now {
            action()
        }
    }

    /// Opens or closes the gate; opening it runs what waited. Transports call it.
    package func set(open: Bool) {
        let waiters = self.state.withLock { state -> [@Sendable () -> Void] in
            state.isOpen = open
            guard open else { return [] }
            defer { state.waiters = [] }
            return state.waiters
        }
        for waiter in waiters {
            waiter()
        }
    }
}
