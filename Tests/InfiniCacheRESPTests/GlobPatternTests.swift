@testable import InfiniCacheRESP
import Testing

@Suite("Glob patterns as KEYS and SCAN MATCH take them")
struct GlobPatternTests {
    @Test(arguments: [
        ("*", "", true), ("*", "anything", true), ("h?llo", "hello", true), ("h?llo", "hllo", false),
        ("h*llo", "heeeello", true), ("h*llo", "hello!", false), ("h[ae]llo", "hallo", true), ("h[ae]llo", "hillo", false),
        ("h[^e]llo", "hallo", true), ("h[^e]llo", "hello", false), ("h[a-b]llo", "hbllo", true), ("h[b-a]llo", "hallo", true),
        ("h\\*llo", "h*llo", true), ("h\\*llo", "hello", false), ("*a*b*c*", "xxaxxbxxcxx", true), ("*a*b*c*", "xxaxxcxxbxx", false),
        ("user:[0-9]*", "user:42", true), ("[abc", "a", true), ("a*", "b", false), ("**x", "x", true),
    ])
    func matches(pattern: String, subject: String, expected: Bool) {
        #expect(GlobPattern(Array(pattern.utf8)).matches(Array(subject.utf8)) == expected)
    }

    @Test("matching is on bytes, so keys need not be UTF-8")
    func binary() {
        #expect(GlobPattern([0xFF, UInt8(ascii: "*")]).matches([0xFF, 0x00, 0x01]))
        #expect(!GlobPattern([0xFE, UInt8(ascii: "*")]).matches([0xFF]))
    }

    @Test("a long subject against many stars stays quick (one star backtracks at a time)")
    func noExponentialBacktracking() {
        let pattern = Array(String(repeating: "*a", count: 30).utf8) + [UInt8(ascii: "b")]
        let subject = [UInt8](repeating: UInt8(ascii: "a"), count: 10_000)
        #expect(!GlobPattern(pattern).matches(subject))
    }
}
