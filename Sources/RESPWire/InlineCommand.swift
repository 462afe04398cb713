/// Splits an inline command line into words the way Redis's `sdssplitargs` does: words
/// are separated by spaces; a word may be in double quotes (with `\n`, `\r`, `\t`, `\b`,
/// `\a`, `\\`, `\"` and `\xHH` escapes) or single quotes (with `\'`), and a closing
/// quote must be followed by a space or the end of the line.
enum InlineCommand {
    private enum Quote {
        case none, double, single
    }

    static func words(_ line: [UInt8]) throws(RESPError) -> [[UInt8]] {
        var words: [[UInt8]] = []
        var index = 0
        while true {
            while index < line.count, Self.isSpace(line[index]) {
                index += 1
            }
            guard index < line.count else {
                return words
            }
            var word: [UInt8] = []
            var quote = Quote.none
            wordLoop: while true {
                guard index < line.count else {
                    if quote != .none {
                        throw RESPError(.unbalancedQuotes, "unbalanced quotes in request")
                    }
                    break
                }
                let byte = line[index]
                switch quote {
                case .none:
                    if Self.isSpace(byte) {
                        break wordLoop
                    } else if byte == UInt8(ascii: "\"") {
                        quote = .double
                    } else if byte == UInt8(ascii: "'") {
                        quote = .single
                    } else {
                        word.append(byte)
                    }
                case .double:
                    if byte == UInt8(ascii: "\\"), index + 3 < line.count, line[index + 1] == UInt8(ascii: "x"),
                        let high = Self.hexValue(line[index + 2]), let low = Self.hexValue(line[index + 3])
                    {
                        word.append(high << 4 | low)
                        index += 3
                    } else if byte == UInt8(ascii: "\\"), index + 1 < line.count {
                        index += 1
                        word.append(Self.unescaped(line[index]))
                    } else if byte == UInt8(ascii: "\"") {
                        try Self.requireSpaceOrEnd(after: index, in: line)
                        index += 1
                        break wordLoop
                    } else {
                        word.append(byte)
                    }
                case .single:
                    if byte == UInt8(ascii: "\\"), index + 1 < line.count, line[index + 1] == UInt8(ascii: "'") {
                        index += 1
                        word.append(UInt8(ascii: "'"))
                    } else if byte == UInt8(ascii: "'") {
                        try Self.requireSpaceOrEnd(after: index, in: line)
                        index += 1
                        break wordLoop
                    } else {
                        word.append(byte)
                    }
                }
                index += 1
            }
            words.append(word)
        }
    }

    private static func requireSpaceOrEnd(after index: Int, in line: [UInt8]) throws(RESPError) {
        if index + 1 < line.count, !Self.isSpace(line[index + 1]) {
            throw RESPError(.unbalancedQuotes, "unbalanced quotes in request")
        }
    }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == 0x0B || byte == 0x0C || byte == UInt8(ascii: "\r") || byte == UInt8(ascii: "\n")
    }

    private static func unescaped(_ byte: UInt8) -> UInt8 {
        switch byte {
        case UInt8(ascii: "n"): UInt8(ascii: "\n")
        case UInt8(ascii: "r"): UInt8(ascii: "\r")
        case UInt8(ascii: "t"): UInt8(ascii: "\t")
        case UInt8(ascii: "b"): 0x08
        case UInt8(ascii: "a"): 0x07
        default: byte
        }
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
