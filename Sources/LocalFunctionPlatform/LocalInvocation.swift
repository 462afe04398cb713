import ChunkTransport
import ChunkWire
import FunctionPlatform
import Synchronization

/// A running invocation on the ``LocalFunctionPlatform``.
final class LocalInvocation: FunctionInvocation {
    let platform: LocalFunctionPlatform
    let function: String
    let instanceID: UInt64
    let invocation: UInt64
    let isColdStart: Bool
    let instance: any PlatformInstance

    init(platform: LocalFunctionPlatform, slot: PlatformStateMachine.Slot, function: String, isColdStart: Bool) {
        self.platform = platform
        self.function = function
        self.instanceID = slot.id
        self.invocation = slot.invocation
        self.isColdStart = isColdStart
        self.instance = slot.instance
    }

    /// Running, and on an instance that has not died on its own.
    var isRunning: Bool {
        self.instance.isAlive && self.platform.isRunning(self.function, instance: self.instanceID, invocation: self.invocation)
    }

    var transport: any FrameTransport { InvocationTransport(invocation: self) }

    func end() {
        self.platform.end(self.function, instance: self.instanceID, invocation: self.invocation)
    }
}
