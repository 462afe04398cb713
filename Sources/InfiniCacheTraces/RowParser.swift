import Foundation

/// Turns the rows of one trace format into requests, keeping the malformed ones.
protocol RowParser {
    /// The requests and malformed rows so far.
    var rows: ParsedRows { get }

    /// Parses one row; returns why it is malformed (and records it), or nil.
    mutating func parse(_ fields: [String], row: Int) -> String?
}

/// What every format's parser keeps.
struct ParsedRows {
    var requests: [TraceRequest] = []
    var malformed: [Trace.MalformedRow] = []
    var malformedCount = 0

    /// Records `result`: a request, or why the row is malformed (returned).
    mutating func record(_ result: Result<TraceRequest, RowError>, row: Int) -> String? {
        switch result {
        case .success(let request):
            self.requests.append(request)
            return nil
        case .failure(let error):
            self.malformedCount += 1
            if self.malformed.count < Trace.maximumMalformedRowsKept {
                self.malformed.append(Trace.MalformedRow(row: row, reason: error.reason))
            }
            return error.reason
        }
    }
}

/// Why a row is malformed.
struct RowError: Error {
    var reason: String
}

/// Object sizes above this (1 PiB) are malformed: no cache holds such an object, and
/// larger sizes are past any arithmetic the replay does on them.
let maximumObjectSize = 1 << 50

/// A size field: a whole number of bytes, written as an integer or a float (registry
/// traces write `28540435.0`).
func parseSize(_ field: String) -> Result<Int, RowError> {
    let trimmed = field.trimmingCharacters(in: .whitespaces)
    if let size = Int(trimmed), size >= 0, size <= maximumObjectSize {
        return .success(size)
    }
    guard let value = Double(trimmed), value.isFinite, value >= 0, value <= Double(maximumObjectSize), value.rounded() == value else {
        return .failure(RowError(reason: "size \"\(field)\" is not a whole number of bytes from 0 to 2^50"))
    }
    return .success(Int(value))
}
