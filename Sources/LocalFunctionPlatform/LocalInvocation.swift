import ChunkTransport
import ChunkWire
import FunctionPlatform

/// A running invocation on the ``LocalFunctionPlatform``.
final class LocalInvocation: FunctionInvocation {
    let platform: LocalFunctionPlatform
    let function: String
    let instanceID: UInt64
    let invocation: UInt64
    let isColdStart: Bool
    let connection: any NodeTransport
    let meter: ActivityMeter

    init(platform: LocalFunctionPlatform, slot: LocalFunctionPlatform.Slot, function: String, isColdStart: Bool) {
        self.platform = platform
        self.function = function
        self.instanceID = slot.id
        self.invocation = slot.invocation
        self.isColdStart = isColdStart
        self.connection = slot.instance.connection
        self.meter = slot.meter
    }

    var isRunning: Bool { self.platform.isRunning(self.function, instance: self.instanceID, invocation: self.invocation) }
    var transport: any NodeTransport { InvocationTransport(invocation: self) }

    func end() {
        self.platform.end(self.function, instance: self.instanceID, invocation: self.invocation)
    }
}

/// The instance's connection, open only while the invocation runs (a frozen instance
/// serves nothing), with every request recorded on the instance's ``ActivityMeter`` until
/// its last response, so that an instance never returns in the middle of a request.
struct InvocationTransport: NodeTransport {
    let invocation: LocalInvocation

    func send(_ request: Frame) -> FrameResponses {
        let (stream, continuation) = FrameResponses.makeStream()
        guard self.invocation.isRunning else {
            continuation.finish(throwing: TransportError(.connectionClosed, "the invocation of \(self.invocation.function) on instance \(self.invocation.instanceID) has ended"))
            return stream
        }
        let meter = self.invocation.meter
        meter.begin()
        let responses = self.invocation.connection.send(request)
        let relay = Task {
            defer { meter.end() }
            do {
                for try await response in responses {
                    continuation.yield(response)
                }
                continuation.finish()
            } catch {
                continuation.finish(throwing: error)
            }
        }
        continuation.onTermination = { termination in
            if case .cancelled = termination { relay.cancel() }
        }
        return stream
    }

    /// Ends the invocation; the instance keeps its connection for the next one.
    func close() async {
        self.invocation.end()
    }
}
