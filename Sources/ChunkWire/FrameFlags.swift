/// Bit flags in a frame header. Bits that this version does not define must be zero; a
/// receiver rejects a frame that sets one.
public struct FrameFlags: OptionSet, Sendable, Hashable {
    public let rawValue: UInt16

    public init(rawValue: UInt16) {
        self.rawValue = rawValue
    }

    /// More responses to the same request follow this one. A response without it is the
    /// request's last; a single-response request never sets it.
    public static let more = FrameFlags(rawValue: 1 << 0)

    /// Every flag this version of the format defines.
    public static let defined: FrameFlags = [.more]
}
