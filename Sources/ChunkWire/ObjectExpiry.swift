import Foundation
public import NIOCore

/// When an object expires, as a `putObject` or `expire` request gives it: 9 bytes on the
/// wire, a kind (1 byte: 0 never, 1 after, 2 at, 3 keep) and a signed 8-byte little-endian
/// number of milliseconds (0 for never and keep). A relative time is measured on the
/// proxy's clock when the request arrives, so clients' clocks need not agree with it.
public enum ObjectExpiry: Hashable, Sendable {
    /// The object does not expire.
    case never
    /// The object expires this many milliseconds after the proxy receives the request
    /// (0 or less: at once).
    case after(milliseconds: Int64)
    /// The object expires at this time, in milliseconds since the Unix epoch.
    case at(millisecondsSinceEpoch: Int64)
    /// A new version keeps the expiry of the version it replaces (Redis's `KEEPTTL`);
    /// only for `putObject`.
    case keep

    /// This machine's real-time clock in milliseconds since the Unix epoch: the unit of
    /// ``at(millisecondsSinceEpoch:)``, and the proxy's clock by default.
    public static func systemClockMilliseconds() -> Int64 {
        Int64((Date().timeIntervalSince1970 * 1000).rounded(.down))
    }

    /// Bytes the expiry occupies in a payload.
    public static let encodedLength = 9

    /// Appends the expiry's 9 bytes to `buffer`.
    public func write(to buffer: inout ByteBuffer) {
        let (kind, milliseconds): (UInt8, Int64) =
            switch self {
            case .never: (0, 0)
            case .after(let milliseconds): (1, milliseconds)
            case .at(let time): (2, time)
            case .keep: (3, 0)
            }
        buffer.writeInteger(kind)
        buffer.writeInteger(milliseconds, endianness: .little)
    }

    /// Reads an expiry from the front of `buffer`.
    ///
    /// - Throws: ``WireError/Code-swift.struct/malformedMessage`` if fewer than 9 bytes
    ///   remain or the kind is not one of the four.
    public init(from buffer: inout ByteBuffer) throws(WireError) {
        guard let (kind, milliseconds) = buffer.readMultipleIntegers(endianness: .little, as: (UInt8, Int64).self) else {
            throw WireError(.malformedMessage, "an expiry needs \(Self.encodedLength) bytes; \(buffer.readableBytes) remain")
        }
        switch kind {
        case 0: self = .never
        case 1: self = .after(milliseconds: milliseconds)
        case 2: self = .at(millisecondsSinceEpoch: milliseconds)
        case 3: self = .keep
        default: throw WireError(.malformedMessage, "unknown expiry kind \(kind)")
        }
    }

    /// The expiry time this gives at `now` (milliseconds since the Unix epoch): nil for
    /// ``never``, and for ``keep``, `current`.
    public func time(now: Int64, current: Int64?) -> Int64? {
        switch self {
        case .never: nil
        case .after(let milliseconds): now.addingReportingOverflow(milliseconds).overflow ? (milliseconds > 0 ? .max : .min) : now + milliseconds
        case .at(let time): time
        case .keep: current
        }
    }
}
