import FunctionPlatform
import Foundation
import InfiniCacheStatistics

/// `infinicache stats` for a person: the cache, its counters, the serverless lifecycle and
/// its bill, then one row per node, aligned in columns.
enum StatisticsTable {
    static func render(_ statistics: ProxyStatistics) -> String {
        let counters = statistics.counters
        let reads = counters.hits + counters.misses
        let (capacity, used) = (statistics.nodeCapacity, statistics.nodeBytesUsed)
        var sections: [(String, [(String, String)])] = [
            ("Cache", [
                ("objects", "\(statistics.objects) (\(statistics.expiringObjects) with an expiry)"),
                ("bytes", "\(bytes(statistics.bytes)), \(bytes(statistics.codedBytes)) coded"),
                ("node memory", "\(bytes(used)) of \(bytes(capacity)) used (\(percent(used, of: capacity)))"),
                ("proxy tier", "\(statistics.tierObjects) small objects, \(bytes(statistics.tierBytes))"),
            ]),
            ("Since the proxy started", [
                ("reads", "\(reads): \(counters.hits) hits (\(counters.tierHits) from the proxy tier), \(counters.misses) misses (hit ratio \(percent(counters.hits, of: reads)))"),
                ("evictions", "\(counters.evictions)"),
                ("expirations", "\(counters.expirations)"),
                ("objects lost", "\(counters.lostObjects)"),
            ]),
        ]
        if let lifecycle = statistics.lifecycle {
            let events = lifecycle.counters
            sections.append(("Serverless functions", [
                ("invocations", "\(events.invocations) (\(events.coldStarts) cold starts)"),
                ("reclaims seen", "\(events.reclaimsSeen) (\(events.failovers) failed over to a backup, \(events.chunksLost) chunks lost)"),
                ("backups", "\(events.syncs) delta-syncs (\(events.failedSyncs) failed), \(bytes(events.bytesSynced)) synced"),
                ("bill", String(format: "$%.6f: %.1f GB-s and %d invocations over %.0f s", lifecycle.bill.total, lifecycle.bill.gigabyteSeconds, lifecycle.bill.invocations, lifecycle.bill.period)),
            ]))
        }
        let labelWidth = sections.flatMap { $0.1.map(\.0.count) }.max() ?? 0
        var lines: [String] = []
        for (title, rows) in sections {
            lines.append(title)
            lines += rows.map { "  \($0.0.padding(toLength: labelWidth, withPad: " ", startingAt: 0))  \($0.1)" }
            lines.append("")
        }
        lines.append("Nodes (\(statistics.nodes.count))")
        guard !statistics.nodes.isEmpty else {
            return lines.joined(separator: "\n")
        }
        lines += columns(
            [["id", "function", "capacity", "used", "use"]]
                + statistics.nodes.map { ["\($0.id)", $0.functionID, bytes($0.capacity), bytes($0.used), percent($0.used, of: $0.capacity)] }
        ).map { "  " + $0 }
        return lines.joined(separator: "\n")
    }

    /// Rows with each column as wide as its widest cell; text left-aligned, figures right.
    private static func columns(_ rows: [[String]]) -> [String] {
        let widths = (0..<(rows.first?.count ?? 0)).map { column in rows.map { $0[column].count }.max() ?? 0 }
        return rows.map { row in
            row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return column == 1 ? cell + padding : padding + cell
            }.joined(separator: "  ")
        }
    }

    static func bytes(_ count: Int) -> String {
        let units = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"]
        var value = Double(count)
        var unit = 0
        while value >= 1024, unit < units.count - 1 {
            value /= 1024
            unit += 1
        }
        return unit == 0 ? "\(count) B" : String(format: "%.1f %@", value, units[unit])
    }

    static func percent(_ part: Int, of whole: Int) -> String {
        whole == 0 ? "-" : String(format: "%.1f%%", 100 * Double(part) / Double(whole))
    }
}
