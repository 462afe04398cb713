import Foundation

/// CPU time spent by the processes taking part in a measurement, by role ("proxy",
/// "nodes", "client", "redis"): the sum over their threads of the scheduler's run time
/// (`/proc/PID/task/TID/schedstat`, nanoseconds), which unlike `utime` is not counted in
/// 10 ms ticks. Each thread counts what it ran between the two snapshots; a thread that
/// exits in between (an idle dispatch worker, say) counts nothing, so the figures can
/// only err low, never go backwards.
struct CPUAccount {
    /// The processes of each role.
    var roles: [String: [Int32]]

    /// Run time so far of each thread of each role, in nanoseconds, by "PID/TID".
    func snapshot() -> [String: [String: UInt64]] {
        self.roles.mapValues { pids in
            pids.reduce(into: [:]) { threads, pid in
                threads.merge(Self.runTimes(of: pid)) { first, _ in first }
            }
        }
    }

    /// CPU time each role spends while `body` runs, in nanoseconds, added to `totals`.
    func measure(into totals: inout [String: UInt64], _ body: () async throws -> Void) async rethrows {
        let before = self.snapshot()
        try await body()
        let after = self.snapshot()
        for (role, threads) in after {
            let earlier = before[role] ?? [:]
            let ran = threads.reduce(UInt64(0)) { sum, thread in
                let start = earlier[thread.key] ?? 0
                return sum + (thread.value > start ? thread.value - start : 0)
            }
            totals[role, default: 0] += ran
        }
    }

    /// Run time of each thread of process `pid` by "PID/TID", in nanoseconds (none if
    /// they cannot be read).
    static func runTimes(of pid: Int32) -> [String: UInt64] {
        let tasks = "/proc/\(pid)/task"
        guard let threads = try? FileManager.default.contentsOfDirectory(atPath: tasks) else { return [:] }
        var times: [String: UInt64] = [:]
        for thread in threads {
            guard let line = try? String(contentsOfFile: "\(tasks)/\(thread)/schedstat", encoding: .utf8),
                let field = line.split(separator: " ").first, let nanoseconds = UInt64(field)
            else { continue }
            times["\(pid)/\(thread)"] = nanoseconds
        }
        return times
    }
}
