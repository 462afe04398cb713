import Foundation

/// One measured figure, in the row format of the project's benchmark output.
struct BenchRow: Encodable {
    var suite: String
    var op: String
    var metric: String
    var unit: String
    var value: Double
    var k: Int?
    var r: Int?
    var size: Int?
    var threads: Int?
    var variant: String?
    var baseline: Double?
    var baselineName: String?
    var ratio: Double?

    enum CodingKeys: String, CodingKey {
        case suite, op, metric, unit, value, k, r, size, threads, variant, baseline
        case baselineName = "baseline_name"
        case ratio
    }

    /// Sets `baseline` and `ratio = value / baseline`.
    func comparedTo(_ baseline: Double, named name: String) -> BenchRow {
        var row = self
        row.baseline = baseline
        row.baselineName = name
        row.ratio = baseline > 0 ? self.value / baseline : nil
        return row
    }

    static func jsonArray(_ rows: [BenchRow]) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(rows), as: UTF8.self)
    }

    /// A fixed-width table for people.
    static func table(_ rows: [BenchRow]) -> String {
        let header = ["suite", "op", "metric", "k+r", "size", "thr", "variant", "value", "baseline", "ratio"]
        let body = rows.map { row -> [String] in
            [
                row.suite, row.op, row.metric,
                row.k.map { "\($0)+\(row.r ?? 0)" } ?? "",
                row.size.map(formatBytes) ?? "",
                row.threads.map(String.init) ?? "",
                row.variant ?? "",
                "\(format(row.value)) \(row.unit)",
                row.baseline.map { "\(format($0)) \(row.baselineName ?? "")" } ?? "",
                row.ratio.map { String(format: "%.3f", $0) } ?? "",
            ]
        }
        let widths = header.indices.map { column in ([header] + body).map { $0[column].count }.max() ?? 0 }
        return ([header] + body)
            .map { cells in zip(cells, widths).map { $0.padding(toLength: $1, withPad: " ", startingAt: 0) }.joined(separator: "  ") }
            .joined(separator: "\n")
    }

    private static func format(_ value: Double) -> String {
        value >= 100 ? String(format: "%.0f", value) : String(format: "%.3g", value)
    }
}

/// `65536` → `64 KiB`.
func formatBytes(_ count: Int) -> String {
    let units = ["B", "KiB", "MiB", "GiB"]
    var value = count
    var unit = 0
    while value >= 1024, value % 1024 == 0, unit < units.count - 1 {
        value /= 1024
        unit += 1
    }
    return "\(value) \(units[unit])"
}
