import ChunkTransport
import ChunkWire
import FunctionPlatform

/// A running invocation on the ``LocalFunctionPlatform``.
final class LocalInvocation: FunctionInvocation {
    let platform: LocalFunctionPlatform
    let instance: LocalInstance
    let invocation: UInt64
    let isColdStart: Bool

    init(platform: LocalFunctionPlatform, instance: LocalInstance, invocation: UInt64, isColdStart: Bool) {
        self.platform = platform
        self.instance = instance
        self.invocation = invocation
        self.isColdStart = isColdStart
    }

    var function: String { self.instance.function }
    var instanceID: UInt64 { self.instance.id }
    var isRunning: Bool { self.platform.isRunning(self.instance, invocation: self.invocation) }
    var transport: any NodeTransport { InvocationTransport(invocation: self) }

    func end() {
        self.platform.end(self.instance, invocation: self.invocation)
    }
}

/// The instance's connection, open only while the invocation runs: a frozen instance
/// serves nothing.
struct InvocationTransport: NodeTransport {
    let invocation: LocalInvocation

    func send(_ request: Frame) -> FrameResponses {
        guard self.invocation.isRunning else {
            let (stream, continuation) = FrameResponses.makeStream()
            continuation.finish(throwing: TransportError(.connectionClosed, "the invocation of \(self.invocation.function) on instance \(self.invocation.instanceID) has ended"))
            return stream
        }
        return self.invocation.instance.link.send(request)
    }

    /// Ends the invocation; the instance keeps its connection for the next one.
    func close() async {
        self.invocation.end()
    }
}
