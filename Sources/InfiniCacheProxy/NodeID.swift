/// Identifies a registered cache node for as long as the proxy runs.
public struct NodeID: Hashable, Sendable, CustomStringConvertible {
    public let value: Int

    /// The node numbered `value`; the proxy numbers nodes as they register.
    package init(value: Int) {
        self.value = value
    }
    public var description: String { "node#\(self.value)" }
}
