import ChunkTransport
import ChunkWire
import FunctionPlatform
import InfiniCacheNode
import Synchronization

/// One instance of a function on the local platform: a cache node with its own memory,
/// reached through its own in-process connection, which it keeps across invocations.
final class LocalInstance: Sendable {
    let id: UInt64
    let function: String
    let node: CacheNode
    let link: InProcessTransport
    let activity: ActivityMeter

    init(id: UInt64, function: String, node: CacheNode, respondDelay: Duration?, clock: any PlatformClock) {
        self.id = id
        self.function = function
        self.node = node
        self.activity = ActivityMeter(clock: clock)
        let served: any FrameResponder = respondDelay.map { DelayedResponder(base: node, delay: $0) } ?? node
        self.link = InProcessTransport(to: ActivityResponder(base: served, meter: self.activity))
    }
}

/// When an instance last served a request and how many it is serving now: what the node
/// looks at to decide to return.
final class ActivityMeter: Sendable {
    private struct State {
        var lastActivity: Duration
        var inFlight = 0
    }

    private let clock: any PlatformClock
    private let state: Mutex<State>

    init(clock: any PlatformClock) {
        self.clock = clock
        self.state = Mutex(State(lastActivity: clock.now))
    }

    var snapshot: (lastActivity: Duration, inFlight: Int) {
        self.state.withLock { ($0.lastActivity, $0.inFlight) }
    }

    func touch() {
        let now = self.clock.now
        self.state.withLock { $0.lastActivity = max($0.lastActivity, now) }
    }

    func begin() {
        let now = self.clock.now
        self.state.withLock { state in
            state.inFlight += 1
            state.lastActivity = max(state.lastActivity, now)
        }
    }

    func end() {
        let now = self.clock.now
        self.state.withLock { state in
            state.inFlight -= 1
            state.lastActivity = max(state.lastActivity, now)
        }
    }
}

/// Serves with `base` and records every request on the instance's ``ActivityMeter``.
struct ActivityResponder: FrameResponder {
    let base: any FrameResponder
    let meter: ActivityMeter

    func respond(to request: Frame, replies: ReplySink) async throws {
        self.meter.begin()
        defer { self.meter.end() }
        try await self.base.respond(to: request, replies: replies)
    }

    func respondImmediately(to request: Frame) -> Frame? {
        guard let answer = self.base.respondImmediately(to: request) else { return nil }
        self.meter.touch()
        return answer
    }
}
