import RESPWire

/// What one connection to the RESP endpoint has said about itself so far.
struct RESPSession: Sendable {
    /// The connection's number, as `CLIENT ID` reports it.
    let id: Int64
    /// RESP2 until `HELLO 3`.
    var version: RESPVersion = .resp2
    /// Whether the connection has authenticated (always true when no password is set).
    var isAuthenticated: Bool
    /// Set by `CLIENT SETNAME` or `HELLO … SETNAME`.
    var name: String?
    /// Set by `QUIT`: the connection closes after this reply.
    var closesAfterReply = false
}
