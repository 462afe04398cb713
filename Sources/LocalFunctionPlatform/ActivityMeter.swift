import FunctionPlatform
import Synchronization

/// When an instance last served a request and how many it is serving now: what decides
/// that a serving instance has been idle for its extension window.
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
        self.change(by: 0)
    }

    func begin() {
        self.change(by: 1)
    }

    func end() {
        self.change(by: -1)
    }

    private func change(by delta: Int) {
        let now = self.clock.now
        self.state.withLock { state in
            state.inFlight += delta
            state.lastActivity = max(state.lastActivity, now)
        }
    }
}
