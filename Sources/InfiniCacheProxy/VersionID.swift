import NIOCore

/// A key together with one of its versions.
struct VersionID: Hashable, Sendable {
    var key: ByteBuffer
    var version: UInt32
}
