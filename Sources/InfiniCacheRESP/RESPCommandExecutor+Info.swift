import Foundation
import InfiniCacheClient
import FunctionPlatform
import InfiniCacheStatistics
import Synchronization
import NIOCore

/// `INFO`: Redis's sections `server`, `clients`, `memory`, `stats` and `keyspace`, with
/// the fields Redis tools read, and a `serverless` section with the function lifecycle's
/// counters and bill (when the proxy's nodes are serverless functions).
extension RESPCommandExecutor {
    static let infoSections = ["server", "clients", "memory", "stats", "keyspace", "serverless"]

    /// The report for `sections` (all of them when empty, `all`, `everything` or
    /// `default`); unknown sections are left out, as Redis does.
    func info(sections: [String]) async throws -> String {
        let wanted = sections.isEmpty || sections.contains(where: { ["all", "everything", "default"].contains($0) }) ? Self.infoSections : sections
        let statistics = try await self.client.statistics()
        var report: [String] = []
        for section in Self.infoSections where wanted.contains(section) {
            let fields = self.fields(of: section, statistics)
            guard !fields.isEmpty else { continue }
            report.append("# \(section.prefix(1).uppercased() + section.dropFirst())\r\n" + fields.map { "\($0.0):\($0.1)\r\n" }.joined())
        }
        return report.joined(separator: "\r\n")
    }

    private func fields(of section: String, _ statistics: ProxyStatistics) -> [(String, String)] {
        switch section {
        case "server":
            return [
                ("redis_version", Self.redisCompatibleVersion), ("server_name", "infinicache"), ("redis_mode", "standalone"),
                ("os", ProcessInfo.processInfo.operatingSystemVersionString), ("process_id", "\(ProcessInfo.processInfo.processIdentifier)"),
                ("tcp_port", "\(self.port)"), ("uptime_in_seconds", "\((ContinuousClock.now - self.startedAt).components.seconds)"),
            ]
        case "clients":
            return [("connected_clients", "\(self.connectedClients.load(ordering: .relaxed))")]
        case "memory":
            let capacity = statistics.nodeCapacity
            return [
                ("used_memory", "\(statistics.bytes)"), ("used_memory_rss", "\(ProcessMemory.residentBytes() ?? 0)"),
                ("cache_coded_bytes", "\(statistics.codedBytes)"), ("cache_capacity_bytes", "\(capacity)"), ("cache_nodes", "\(statistics.nodes.count)"),
                ("maxmemory", "\(capacity)"), ("maxmemory_policy", "allkeys-lru"),
            ]
        case "stats":
            let counters = statistics.counters
            return [
                ("total_connections_received", "\(self.connectionsReceived.load(ordering: .relaxed))"),
                ("total_commands_processed", "\(self.commandsProcessed.load(ordering: .relaxed))"),
                ("keyspace_hits", "\(counters.hits)"), ("keyspace_misses", "\(counters.misses)"), ("evicted_keys", "\(counters.evictions)"),
                ("expired_keys", "\(counters.expirations)"), ("lost_objects", "\(counters.lostObjects)"),
            ]
        case "keyspace":
            return statistics.objects == 0 ? [] : [("db0", "keys=\(statistics.objects),expires=\(statistics.expiringObjects),avg_ttl=0")]
        case "serverless":
            guard let lifecycle = statistics.lifecycle else { return [] }
            let counters = lifecycle.counters
            return [
                ("invocations", "\(counters.invocations)"), ("cold_starts", "\(counters.coldStarts)"), ("reclaims", "\(counters.reclaimsSeen)"),
                ("failovers", "\(counters.failovers)"), ("syncs", "\(counters.syncs)"), ("bytes_synced", "\(counters.bytesSynced)"),
                ("billed_gb_seconds", String(format: "%.3f", lifecycle.bill.gigabyteSeconds)),
                ("bill_usd", String(format: "%.6f", lifecycle.bill.total)),
            ]
        default:
            return []
        }
    }
}
