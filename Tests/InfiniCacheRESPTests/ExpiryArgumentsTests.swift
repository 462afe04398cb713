import ChunkWire
import InfiniCacheClient
@testable import InfiniCacheRESP
import NIOCore
import RESPWire
import Testing

private func parse(_ words: String..., grammar: ExpiryArguments.Grammar = .set) -> Result<ExpiryArguments, RedisReplyError> {
    Result { () throws(RedisReplyError) in try ExpiryArguments.parse(words.map { ByteBuffer(string: $0) }[...], grammar: grammar, command: "set") }
}

private func reply(_ result: Result<ExpiryArguments, RedisReplyError>) -> RESPValue? {
    if case .failure(let error) = result { return error.reply }
    return nil
}

@Suite("SET and GETEX options")
struct ExpiryArgumentsTests {
    @Test func optionsInAnyOrderAndCase() throws {
        let parsed = try parse("ex", "10", "nx", "GET").get()
        #expect(parsed == ExpiryArguments(expiry: .after(milliseconds: 10_000), condition: .ifAbsent, returnsOldValue: true))
        #expect(try parse("PXAT", "1700000000000", "XX").get() == ExpiryArguments(expiry: .at(millisecondsSinceEpoch: 1_700_000_000_000), condition: .ifPresent))
        #expect(try parse("KEEPTTL").get().expiry == .keep)
        #expect(try parse("PERSIST", grammar: .getex).get().expiry == .never)
        #expect(try parse("EXAT", "5").get().expiry == .at(millisecondsSinceEpoch: 5_000))
    }

    @Test func conflictsAndBadNumbersGetRedisReplies() {
        #expect(reply(parse("NX", "XX")) == .error("ERR syntax error"))
        #expect(reply(parse("EX", "1", "PX", "1")) == .error("ERR syntax error"))
        #expect(reply(parse("KEEPTTL", "EX", "1")) == .error("ERR syntax error"))
        #expect(reply(parse("EX")) == .error("ERR syntax error"))
        #expect(reply(parse("EX", "ten")) == .error("ERR value is not an integer or out of range"))
        #expect(reply(parse("EX", "+1")) == .error("ERR value is not an integer or out of range"))
        #expect(reply(parse("EX", "0")) == .error("ERR invalid expire time in 'set' command"))
        #expect(reply(parse("EX", "9223372036854775807")) == .error("ERR invalid expire time in 'set' command"))
        #expect(reply(parse("NX", grammar: .getex)) == .error("ERR syntax error"))
        #expect(reply(parse("PERSIST")) == .error("ERR syntax error"))
    }

    @Test("GETRANGE's clamping", arguments: [
        (0, 4, 12, 0..<5), (-5, -1, 12, 7..<12), (-1, -5, 12, nil), (5, 2, 12, nil), (0, 1000, 12, 0..<12), (-1000, 2, 12, 0..<3), (0, 0, 0, nil),
        (12, 20, 12, nil),
    ] as [(Int64, Int64, Int, Range<Int>?)])
    func getrangeClamping(start: Int64, end: Int64, length: Int, expected: Range<Int>?) {
        #expect(RESPCommandExecutor.clampedRange(start: start, end: end, length: length) == expected)
    }

    @Test("EXPIRE's NX, XX, GT and LT must all hold, as Redis checks them", arguments: [
        (["XX", "GT"], TimeToLive.milliseconds(5_000), Int64(1_000), false), (["XX", "GT"], .milliseconds(5_000), 9_000, true),
        (["XX", "LT"], .forever, 1_000, false), (["LT"], .forever, 1_000, true), (["GT"], .forever, 1_000, false),
        (["NX"], .forever, 1, true), (["NX"], .milliseconds(1), 1, false), (["XX"], .forever, 1, false),
    ] as [([String], TimeToLive, Int64, Bool)])
    func expireConditions(options: [String], current: TimeToLive, newLeft: Int64, holds: Bool) {
        #expect(RESPCommandExecutor.expiryConditionsHold(Set(options), current: current, newLeft: newLeft) == holds)
    }
}
