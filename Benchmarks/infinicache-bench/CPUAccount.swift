import Foundation

/// CPU time spent by the processes taking part in a measurement, by role ("proxy",
/// "nodes", "client", "redis"): the sum over their threads of the scheduler's run time
/// (`/proc/PID/task/TID/schedstat`, nanoseconds), which unlike `utime` is not counted in
/// 10 ms ticks. Threads that exit between two snapshots are not counted; the processes
/// measured here keep theirs.
struct CPUAccount {
    /// The processes of each role.
    var roles: [String: [Int32]]

    /// Run time so far of each role, in nanoseconds.
    func snapshot() -> [String: UInt64] {
        self.roles.mapValues { pids in pids.reduce(0) { $0 + Self.runTime(of: $1) } }
    }

    /// CPU time each role spends while `body` runs, in nanoseconds, added to `totals`.
    func measure(into totals: inout [String: UInt64], _ body: () async throws -> Void) async rethrows {
        let before = self.snapshot()
        try await body()
        let after = self.snapshot()
        for (role, time) in after {
            totals[role, default: 0] += time &- (before[role] ?? 0)
        }
    }

    /// Run time of every thread of process `pid`, in nanoseconds (0 if it cannot be read).
    static func runTime(of pid: Int32) -> UInt64 {
        let tasks = "/proc/\(pid)/task"
        guard let threads = try? FileManager.default.contentsOfDirectory(atPath: tasks) else { return 0 }
        return threads.reduce(0) { total, thread in
            guard let line = try? String(contentsOfFile: "\(tasks)/\(thread)/schedstat", encoding: .utf8),
                let field = line.split(separator: " ").first, let nanoseconds = UInt64(field)
            else { return total }
            return total + nanoseconds
        }
    }
}
