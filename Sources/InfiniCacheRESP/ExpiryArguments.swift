import ChunkWire
import NIOCore
import RESPWire

/// The expiry options of `SET` and `GETEX` (`EX`, `PX`, `EXAT`, `PXAT`, and `KEEPTTL` or
/// `PERSIST`) and `SET`'s `NX`, `XX` and `GET`, parsed as Redis parses them: options in
/// any order, case-insensitive, one expiry at most, `NX` and `XX` not together.
struct ExpiryArguments: Equatable, Sendable {
    enum Condition: Equatable, Sendable {
        /// Only if the key is not cached.
        case ifAbsent
        /// Only if the key is cached.
        case ifPresent
    }

    /// What to do with the key's expiry; nil: no option given.
    var expiry: ObjectExpiry?
    var condition: Condition?
    /// `GET`: reply with the old value.
    var returnsOldValue = false

    /// Which options the command takes besides the four expiry times.
    enum Grammar {
        /// `SET`: `NX`, `XX`, `GET`, `KEEPTTL`.
        case set
        /// `GETEX`: `PERSIST`.
        case getex
    }

    /// Parses `words`.
    ///
    /// - Throws: ``RedisReplyError`` with the reply Redis gives such arguments.
    static func parse(_ words: ArraySlice<ByteBuffer>, grammar: Grammar, command: String) throws(RedisReplyError) -> ExpiryArguments {
        var parsed = ExpiryArguments()
        var index = words.startIndex
        while index < words.endIndex {
            let option = words[index].uppercasedName
            switch (option, grammar) {
            case ("NX", .set) where parsed.condition != .ifPresent:
                parsed.condition = .ifAbsent
            case ("XX", .set) where parsed.condition != .ifAbsent:
                parsed.condition = .ifPresent
            case ("GET", .set):
                parsed.returnsOldValue = true
            case ("KEEPTTL", .set) where parsed.expiry == nil:
                parsed.expiry = .keep
            case ("PERSIST", .getex) where parsed.expiry == nil:
                parsed.expiry = .never
            case ("EX", _), ("PX", _), ("EXAT", _), ("PXAT", _):
                guard parsed.expiry == nil, index + 1 < words.endIndex else {
                    throw RedisReplyError(RedisReply.syntaxError)
                }
                guard let number = words[index + 1].redisInteger else {
                    throw RedisReplyError(RedisReply.notInteger)
                }
                guard let expiry = Self.expiry(option, number) else {
                    throw RedisReplyError(RedisReply.invalidExpireTime(command))
                }
                parsed.expiry = expiry
                index += 1
            default:
                throw RedisReplyError(RedisReply.syntaxError)
            }
            index += 1
        }
        return parsed
    }

    /// The expiry `number` means after `option`; nil where Redis finds the time invalid
    /// (not positive, or too large in milliseconds, or a relative time that overflows
    /// when added to the clock).
    static func expiry(_ option: String, _ number: Int64) -> ObjectExpiry? {
        guard number > 0 else { return nil }
        return Self.expiry(unit: option, number)
    }

    /// `number` in `unit` (`EX`, `PX`, `EXAT`, `PXAT`) as an expiry; nil when its
    /// milliseconds overflow, alone or added to the clock (Redis's "invalid expire time").
    static func expiry(unit: String, _ number: Int64) -> ObjectExpiry? {
        let seconds = unit == "EX" || unit == "EXAT"
        let (milliseconds, overflow) = seconds ? number.multipliedReportingOverflow(by: 1000) : (number, false)
        guard !overflow else { return nil }
        guard !unit.hasSuffix("AT") else {
            return .at(millisecondsSinceEpoch: milliseconds)
        }
        guard !ObjectExpiry.systemClockMilliseconds().addingReportingOverflow(milliseconds).overflow else { return nil }
        return .after(milliseconds: milliseconds)
    }
}
