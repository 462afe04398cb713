import FunctionPlatform
import Synchronization

/// What the invocation handles ask of the platform; every check and change of an
/// instance's state happens under the platform's lock, so a request is either refused or
/// counted before the instance can return.
extension LocalFunctionPlatform {
    func isRunning(_ function: String, instance id: UInt64, invocation: UInt64) -> Bool {
        self.state.withLock { state in
            state.functions[function]?.slots.first { $0.id == id }?.serves(invocation) ?? false
        }
    }

    /// Counts a request to the invocation's instance; false if the invocation has ended
    /// (or its instance died: the caller's next invocation goes elsewhere).
    func beginRequest(_ function: String, instance id: UInt64, invocation: UInt64) -> Bool {
        let now = self.clock.now
        return self.state.withLock { state in
            state.withSlot(function, instance: id) { deployed, index in
                guard deployed.slots[index].serves(invocation) else { return false }
                deployed.slots[index].inFlight += 1
                deployed.slots[index].lastActivity = now
                return true
            } ?? false
        }
    }

    /// Counts a request's last response; an invocation asked to end while serving ends now
    /// if this was its last request.
    func endRequest(_ function: String, instance id: UInt64) {
        let now = self.clock.now
        self.state.withLock { state in
            _ = state.withSlot(function, instance: id) { deployed, index in
                deployed.slots[index].inFlight -= 1
                deployed.slots[index].lastActivity = now
                if deployed.slots[index].endRequested, deployed.slots[index].inFlight == 0 {
                    self.finish(&deployed, index, at: now)
                }
            }
        }
    }

    /// Ends an invocation: now, or after the requests it is serving.
    func end(_ function: String, instance id: UInt64, invocation: UInt64) {
        let now = self.clock.now
        self.state.withLock { state in
            _ = state.withSlot(function, instance: id) { deployed, index in
                guard deployed.slots[index].invocation == invocation, deployed.slots[index].running != nil else { return }
                if deployed.slots[index].inFlight > 0 {
                    deployed.slots[index].endRequested = true
                } else {
                    self.finish(&deployed, index, at: now)
                }
            }
        }
    }
}
