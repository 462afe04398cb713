import Foundation

/// Rows of a plain trace: `seconds,key,size[,op]`, seconds a non-negative number
/// (fractions allowed), op `get`, `put` or `delete` in any case (`get` when left out).
struct PlainRowParser: RowParser {
    private(set) var rows = ParsedRows()

    /// Whether `fields` is the optional header row, `seconds,key,size[,op]`.
    static func isHeader(_ fields: [String]) -> Bool {
        fields.first?.trimmingCharacters(in: .whitespaces).lowercased() == "seconds"
    }

    mutating func parse(_ fields: [String], row: Int) -> String? {
        self.rows.record(Self.request(fields, row: row), row: row)
    }

    private static func request(_ fields: [String], row: Int) -> Result<TraceRequest, RowError> {
        guard fields.count == 3 || fields.count == 4 else {
            return .failure(RowError(reason: "\(fields.count) fields; a plain trace row is seconds,key,size[,op]"))
        }
        let secondsField = fields[0].trimmingCharacters(in: .whitespaces)
        // Up to about 292 years, so that the conversion to a Duration cannot overflow.
        guard let seconds = Double(secondsField), seconds.isFinite, seconds >= 0, seconds < 9e9 else {
            return .failure(RowError(reason: "time \"\(fields[0])\" is not a non-negative number of seconds"))
        }
        let key = fields[1].trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty else {
            return .failure(RowError(reason: "empty key"))
        }
        var operation = TraceRequest.Operation.get
        if fields.count == 4 {
            let name = fields[3].trimmingCharacters(in: .whitespaces).lowercased()
            guard let parsed = TraceRequest.Operation(rawValue: name) else {
                return .failure(RowError(reason: "operation \"\(fields[3])\" is not get, put or delete"))
            }
            operation = parsed
        }
        return parseSize(fields[2]).map { size in
            TraceRequest(time: .seconds(seconds), key: key, size: size, operation: operation, row: row)
        }
    }
}
