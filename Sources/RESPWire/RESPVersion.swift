/// The protocol version a connection speaks: RESP2 until the client sends `HELLO 3`.
public enum RESPVersion: Int, Hashable, Sendable {
    /// RESP2: RESP3 types are sent as their RESP2 equivalents.
    case resp2 = 2
    /// RESP3: null, doubles, booleans, maps, sets and verbatim strings have types of their own.
    case resp3 = 3
}
