import ErasureCoding
import NIOCore
import Synchronization

/// Reads an object one stripe ahead of its consumer (``InfiniCacheClient/openStream(_:)``):
/// each call of ``next()`` hands out the bytes read so far and, when they run out, waits for
/// the stripe being read and starts reading the one after it. Each stripe is a read of its
/// own, pinned to the object version of the first.
final class PacedStripeReader: Sendable {
    private struct State {
        /// Bytes read and not yet handed out, in order.
        var ready: [ByteBuffer]
        /// The next stripe to start reading.
        var nextStripe = 1
        /// The read of the stripe after those in `ready`.
        var reading: Task<[ByteBuffer], any Error>?
    }

    private let client: InfiniCacheClient
    private let key: ByteBuffer
    private let layout: StripeLayout
    private let version: UInt32
    private let state: Mutex<State>

    /// A reader of `key`'s object version `version` whose first stripe's bytes are `first`;
    /// the second stripe's read starts at once.
    init(client: InfiniCacheClient, key: ByteBuffer, layout: StripeLayout, version: UInt32, first: [ByteBuffer]) {
        self.client = client
        self.key = key
        self.layout = layout
        self.version = version
        self.state = Mutex(State(ready: first.reversed()))
        self.state.withLock { self.startNextRead(&$0) }
    }

    deinit {
        self.state.withLock { $0.reading?.cancel() }
    }

    /// The next bytes of the object, or nil after the last.
    ///
    /// - Throws: ``InfiniCacheError`` `objectLost` if the version is gone, or the errors of
    ///   a stripe's read.
    @Sendable func next() async throws -> ByteBuffer? {
        let reading = self.state.withLock { state -> Task<[ByteBuffer], any Error>? in
            state.ready.isEmpty ? state.reading : nil
        }
        if let reading {
            let bytes = try await reading.value
            self.state.withLock { state in
                state.ready = bytes.reversed()
                self.startNextRead(&state)
            }
        }
        return self.state.withLock { $0.ready.popLast() }
    }

    /// Starts reading `state.nextStripe`, if the object has it.
    private func startNextRead(_ state: inout State) {
        guard state.nextStripe < self.layout.stripeCount else {
            state.reading = nil
            return
        }
        let stripe = self.layout.stripe(state.nextStripe)
        state.nextStripe += 1
        let (client, key, version) = (self.client, self.key, self.version)
        state.reading = Task {
            guard let read = try await client.readStripes(of: key, holding: stripe.objectRange, version: version) else {
                throw InfiniCacheError(.objectLost, "the object changed while it was read")
            }
            return read.bytes
        }
    }
}
