import Foundation

/// Rows of a container registry trace: CSV with a header naming `http.request.uri` (the
/// key), `http.response.written` (the size, a float) and `timestamp`
/// (`YYYY-MM-DD HH:MM:SS[.mmm]`, UTC), and optionally `http.request.method` (`GET`,
/// `PUT` or `DELETE`; GET when absent).
struct RegistryRowParser: RowParser {
    private let key: Int
    private let size: Int
    private let time: Int
    private let method: Int?
    private let columnCount: Int
    private(set) var rows = ParsedRows()

    /// A parser for the columns `header` names, or nil if it is not a registry header.
    init?(header: [String]) {
        let names = header.map { $0.trimmingCharacters(in: .whitespaces) }
        guard let key = names.firstIndex(of: "http.request.uri"),
            let size = names.firstIndex(of: "http.response.written"),
            let time = names.firstIndex(of: "timestamp")
        else {
            return nil
        }
        self.key = key
        self.size = size
        self.time = time
        self.method = names.firstIndex(of: "http.request.method")
        self.columnCount = names.count
    }

    mutating func parse(_ fields: [String], row: Int) -> String? {
        self.rows.record(self.request(fields, row: row), row: row)
    }

    private func request(_ fields: [String], row: Int) -> Result<TraceRequest, RowError> {
        guard fields.count == self.columnCount else {
            return .failure(RowError(reason: "\(fields.count) fields; the header names \(self.columnCount)"))
        }
        let key = fields[self.key].trimmingCharacters(in: .whitespaces)
        guard !key.isEmpty else {
            return .failure(RowError(reason: "empty http.request.uri"))
        }
        let operation: TraceRequest.Operation
        switch self.method.map({ fields[$0].trimmingCharacters(in: .whitespaces).uppercased() }) ?? "GET" {
        case "GET": operation = .get
        case "PUT": operation = .put
        case "DELETE": operation = .delete
        case let other: return .failure(RowError(reason: "method \"\(other)\" is not GET, PUT or DELETE"))
        }
        guard let time = Self.parseTimestamp(fields[self.time]) else {
            return .failure(RowError(reason: "timestamp \"\(fields[self.time])\" is not YYYY-MM-DD HH:MM:SS[.mmm]"))
        }
        return parseSize(fields[self.size]).map { size in
            TraceRequest(time: time, key: key, size: size, operation: operation, row: row)
        }
    }

    /// Seconds since 1970 of a registry timestamp, `YYYY-MM-DD HH:MM:SS[.fff]` in UTC
    /// (a `T` between date and time, and a trailing `Z`, are accepted too); nil if it is
    /// not one. Parsed by hand: Foundation's date formatter took 20 times longer.
    static func parseTimestamp(_ field: String) -> Duration? {
        var text = Substring(field.trimmingCharacters(in: .whitespaces))
        if text.hasSuffix("Z") { text = text.dropLast() }
        let parts = text.split(whereSeparator: { $0 == " " || $0 == "T" })
        guard parts.count == 2 else { return nil }
        let date = parts[0].split(separator: "-", omittingEmptySubsequences: false).map { Int($0) }
        let clock = parts[1].split(separator: ":", omittingEmptySubsequences: false)
        guard date.count == 3, clock.count == 3, let year = date[0], let month = date[1], let day = date[2],
            let hour = Int(clock[0]), let minute = Int(clock[1]), let seconds = Double(clock[2]),
            (1...12).contains(month), (1...31).contains(day), (0...23).contains(hour), (0...59).contains(minute),
            seconds >= 0, seconds < 61, (0...9999).contains(year), day <= Self.days(inMonth: month, of: year)
        else {
            return nil
        }
        let days = daysSince1970(year: year, month: month, day: day)
        let whole = Int64(days * 86_400 + hour * 3600 + minute * 60)
        return .seconds(whole) + .milliseconds(Int64((seconds * 1000).rounded()))
    }

    private static func days(inMonth month: Int, of year: Int) -> Int {
        switch month {
        case 2: year % 4 == 0 && (year % 100 != 0 || year % 400 == 0) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Days from 1970-01-01 to a date of the proleptic Gregorian calendar (the
    /// days-from-civil method: years counted from March, so that leap days come last).
    private static func daysSince1970(year: Int, month: Int, day: Int) -> Int {
        let shiftedYear = month <= 2 ? year - 1 : year
        let era = (shiftedYear >= 0 ? shiftedYear : shiftedYear - 399) / 400
        let yearOfEra = shiftedYear - era * 400
        let dayOfYear = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }
}
