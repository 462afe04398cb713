/// A Redis glob pattern, as `KEYS` and `SCAN MATCH` take it (Redis's `stringmatchlen`):
/// `*` matches any bytes, `?` one byte, `[abc]`, `[a-z]` and `[^a]` one byte of a class,
/// and `\` makes the next byte literal. Matching works on bytes, so keys need not be UTF-8.
struct GlobPattern: Sendable {
    private let pattern: [UInt8]

    init(_ pattern: [UInt8]) {
        self.pattern = pattern
    }

    /// Whether the pattern matches all of `subject`. Each `*` retries the rest of the
    /// pattern at each later position, but only from the latest `*` seen (the classic
    /// backtracking of one star), so the time is O(pattern × subject) at worst.
    func matches(_ subject: some Collection<UInt8>) -> Bool {
        let subject = Array(subject)
        var p = 0
        var s = 0
        var star: (pattern: Int, subject: Int)?
        while s < subject.count {
            if p < self.pattern.count {
                let next = self.step(at: p, byte: subject[s])
                if next.isStar {
                    star = (next.index, s)
                    p = next.index
                    continue
                }
                if next.matched {
                    p = next.index
                    s += 1
                    continue
                }
            }
            guard let last = star else {
                return false
            }
            p = last.pattern
            s = last.subject + 1
            star = (last.pattern, s)
        }
        while p < self.pattern.count, self.pattern[p] == UInt8(ascii: "*") {
            p += 1
        }
        return p == self.pattern.count
    }

    /// What the pattern element at `index` does with `byte`: a star (consuming no byte),
    /// or whether it matches, with the index of the element after it.
    private func step(at index: Int, byte: UInt8) -> (isStar: Bool, matched: Bool, index: Int) {
        switch self.pattern[index] {
        case UInt8(ascii: "*"):
            var next = index
            while next < self.pattern.count, self.pattern[next] == UInt8(ascii: "*") {
                next += 1
            }
            return (true, true, next)
        case UInt8(ascii: "?"):
            return (false, true, index + 1)
        case UInt8(ascii: "["):
            return self.characterClass(at: index, byte: byte)
        case UInt8(ascii: "\\") where index + 1 < self.pattern.count:
            return (false, self.pattern[index + 1] == byte, index + 2)
        case let literal:
            return (false, literal == byte, index + 1)
        }
    }

    /// `[...]` at `index`: Redis reads an unclosed class to the end of the pattern.
    private func characterClass(at index: Int, byte: UInt8) -> (isStar: Bool, matched: Bool, index: Int) {
        var i = index + 1
        let negated = i < self.pattern.count && self.pattern[i] == UInt8(ascii: "^")
        if negated {
            i += 1
        }
        var matched = false
        while i < self.pattern.count, self.pattern[i] != UInt8(ascii: "]") {
            if self.pattern[i] == UInt8(ascii: "\\"), i + 1 < self.pattern.count {
                matched = matched || self.pattern[i + 1] == byte
                i += 2
            } else if i + 2 < self.pattern.count, self.pattern[i + 1] == UInt8(ascii: "-") {
                let (low, high) = (min(self.pattern[i], self.pattern[i + 2]), max(self.pattern[i], self.pattern[i + 2]))
                matched = matched || (low...high).contains(byte)
                i += 3
            } else {
                matched = matched || self.pattern[i] == byte
                i += 1
            }
        }
        return (false, matched != negated, min(i + 1, self.pattern.count))
    }
}
