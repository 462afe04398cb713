import NIOCore
import Synchronization

/// The destination of a whole-object read: one buffer of the object's length whose
/// stripes are written at their offsets in whatever order they are decoded.
final class ObjectBuffer: Sendable {
    private let buffer = Mutex((bytes: ByteBuffer(), length: 0))

    func allocate(_ length: Int) {
        self.buffer.withLock { $0 = (ByteBufferAllocator().buffer(capacity: length), length) }
    }

    /// Lends `body` the `length` bytes at `offset`, which it must fill.
    func write(_ offset: Int, _ length: Int, _ body: (UnsafeMutableRawBufferPointer) throws -> Void) throws {
        try self.buffer.withLock { buffer in
            try buffer.bytes.withUnsafeMutableWritableBytes { writable in
                try body(UnsafeMutableRawBufferPointer(rebasing: writable[offset..<(offset + length)]))
            }
        }
    }

    /// The object, once every stripe has been written.
    func finish() -> ByteBuffer {
        self.buffer.withLock { buffer in
            buffer.bytes.moveWriterIndex(forwardBy: buffer.length)
            return buffer.bytes
        }
    }
}

/// Yields decoded stripes to a stream in object order, holding back those that finish
/// early. A stripe is one buffer or several (its data chunks as they came).
final class StripeReorder: Sendable {
    private struct State {
        var next = 0
        var early: [Int: [ByteBuffer]] = [:]
    }

    private let continuation: ObjectStream.Continuation
    private let state = Mutex(State())

    init(continuation: ObjectStream.Continuation) {
        self.continuation = continuation
    }

    func add(_ stripe: [ByteBuffer], index: Int) {
        self.state.withLock { state in
            state.early[index] = stripe
            while let ready = state.early.removeValue(forKey: state.next) {
                for part in ready where part.readableBytes > 0 {
                    self.continuation.yield(part)
                }
                state.next += 1
            }
        }
    }
}
