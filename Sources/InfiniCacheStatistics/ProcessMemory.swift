import Foundation

/// A process's resident memory as Linux's /proc reports it (nil elsewhere).
public enum ProcessMemory {
    /// Resident memory now (`VmRSS`) of process `pid` (this one by default), in bytes.
    public static func residentBytes(of pid: Int32? = nil) -> Int? {
        self.field("VmRSS", of: pid)
    }

    /// Peak resident memory (`VmHWM`) of process `pid` (this one by default), in bytes.
    public static func peakResidentBytes(of pid: Int32? = nil) -> Int? {
        self.field("VmHWM", of: pid)
    }

    private static func field(_ name: String, of pid: Int32?) -> Int? {
        let path = "/proc/\(pid.map(String.init) ?? "self")/status"
        guard let status = try? String(contentsOfFile: path, encoding: .utf8),
            let line = status.split(separator: "\n").first(where: { $0.hasPrefix("\(name):") })
        else {
            return nil
        }
        return line.split(separator: " ").compactMap { Int($0) }.first.map { $0 * 1024 }
    }
}
