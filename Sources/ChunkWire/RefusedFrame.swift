/// A frame the decoder refused without losing its place in the stream: its header was
/// well formed and its lengths within the frame size the receiver accepts, but a field
/// exceeds a limit (a key longer than ``WireLimits/maximumKeyLength``). The decoder skips
/// its key and payload and passes this on as a user inbound event, so the connection's
/// handler can refuse that one request — with an `error` frame carrying
/// ``ErrorMessage/Code-swift.struct/limitExceeded`` — and carry on.
public struct RefusedFrame: Sendable, Hashable {
    /// The refused frame's request id.
    public var requestID: UInt64
    /// Its opcode.
    public var opcode: Opcode
    /// Its flags (``FrameFlags/more`` on a refused streaming response).
    public var flags: FrameFlags
    /// Why it was refused.
    public var error: WireError

    /// Creates a refusal.
    public init(requestID: UInt64, opcode: Opcode, flags: FrameFlags, error: WireError) {
        self.requestID = requestID
        self.opcode = opcode
        self.flags = flags
        self.error = error
    }
}
