import FunctionPlatform
import Synchronization

/// What the invocation handles ask of the platform. Every check and change of an
/// instance's state happens in the state machine under the platform's lock, so a request
/// is either refused or counted before the instance can return; what follows (stopping
/// an instance whose invocation ended) happens after the lock is released.
extension LocalFunctionPlatform {
    func isRunning(_ function: String, instance id: UInt64, invocation: UInt64) -> Bool {
        self.state.withLock { $0.isRunning(function, instance: id, invocation: invocation) }
    }

    /// Counts a request to the invocation's instance; false if the invocation has ended.
    func beginRequest(_ function: String, instance id: UInt64, invocation: UInt64) -> Bool {
        let now = self.clock.now
        return self.state.withLock { $0.beginRequest(function, instance: id, invocation: invocation, now: now) }
    }

    /// Counts a request's last response, after `bytesMoved` payload bytes in and out; an
    /// invocation asked to end while serving ends now if this was its last request.
    func endRequest(_ function: String, instance id: UInt64, bytesMoved: Int) {
        let now = self.clock.now
        self.apply(self.state.withLock { $0.endRequest(function, instance: id, bytesMoved: bytesMoved, now: now) })
    }

    /// Ends an invocation: now, or after the requests it is serving.
    func end(_ function: String, instance id: UInt64, invocation: UInt64) {
        let now = self.clock.now
        self.apply(self.state.withLock { $0.end(function, instance: id, invocation: invocation, now: now) })
    }
}
