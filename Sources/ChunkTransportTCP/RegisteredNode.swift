public import ChunkWire

/// A cache node that dialled in and passed the hello check.
public struct RegisteredNode: Sendable {
    /// What the node said about itself.
    public let hello: HelloMessage
    /// The transport to send the node requests over.
    public let connection: FrameConnection
}
