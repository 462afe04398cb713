import Foundation
import Synchronization

/// Links the bench creates for `--network emulated`: one network namespace per link,
/// joined to the root namespace by a veth pair whose two ends are each shaped on egress
/// with `tc` `tbf` (netem is not in every kernel), so that a process started in the
/// namespace (``wrapper(_:)``) reaches the root namespace, and is reached, at the link's
/// rate. Link `i` is the subnet 10.201.i.0/30: `.1` on the root side, `.2` inside.
///
/// Everything is removed by ``remove()``, which the bench also runs on SIGINT and SIGTERM;
/// namespaces a killed bench left behind (named after a process no longer running) are
/// removed by the next one.
final class EmulatedNetwork: Sendable {
    struct Link: Sendable {
        var namespace: String
        var hostInterface: String
        var namespaceInterface: String
        /// The root namespace's end.
        var hostAddress: String
        /// The namespace's end.
        var address: String
    }

    let links: [Link]
    /// Held while the network is being removed, so that a signal arriving meanwhile waits
    /// for the removal rather than exiting half-way through it.
    private let removal = Mutex(false)
    /// Networks to remove if the bench is interrupted.
    private static let live = Mutex<[EmulatedNetwork]>([])
    private static let signalSources = Mutex<[any DispatchSourceSignal]>([])
    static let namePrefix = "icb"
    static let ip = EmulatedNetwork.tool("ip")
    static let tc = EmulatedNetwork.tool("tc")

    /// `name`'s path in the system directories iproute2 installs to, or in `PATH`.
    private static func tool(_ name: String) -> String {
        let path = ProcessInfo.processInfo.environment["PATH"]?.split(separator: ":").map(String.init) ?? []
        let directories = ["/usr/sbin", "/sbin", "/usr/bin", "/bin"] + path
        return directories.map { "\($0)/\(name)" }.first { FileManager.default.isExecutableFile(atPath: $0) } ?? "/usr/sbin/\(name)"
    }

    /// Why links cannot be emulated here, or nil if they can: it takes root and iproute2.
    static func unavailableReason() -> String? {
        guard getuid() == 0 else { return "emulated links need root (network namespaces and tc)" }
        for tool in [Self.ip, Self.tc] where !FileManager.default.isExecutableFile(atPath: tool) {
            return "emulated links need iproute2 (\(tool) is missing; apt-get install iproute2)"
        }
        return nil
    }

    /// Creates `rates.count` links, link `i` shaped to `rates[i]` Mbit/s each way.
    ///
    /// - Throws: ``EmulatedNetworkError`` naming the command that failed; whatever was
    ///   created is removed first.
    static func create(rates: [Int]) throws -> EmulatedNetwork {
        Self.removeLeftovers()
        Self.handleSignals()
        let tag = "\(Self.namePrefix)\(getpid())"
        let links = rates.indices.map { index in
            Link(
                namespace: "\(tag)-\(index)", hostInterface: "\(tag)h\(index)", namespaceInterface: "\(tag)n\(index)",
                hostAddress: "10.201.\(index).1", address: "10.201.\(index).2"
            )
        }
        let network = EmulatedNetwork(links: links)
        Self.live.withLock { $0.append(network) }
        do {
            for (index, (link, rate)) in zip(links, rates).enumerated() {
                try Self.run(Self.ip, "netns", "add", link.namespace)
                try Self.run(Self.ip, "link", "add", link.hostInterface, "type", "veth", "peer", "name", link.namespaceInterface, "netns", link.namespace)
                try Self.run(Self.ip, "addr", "add", "\(link.hostAddress)/30", "dev", link.hostInterface)
                try Self.run(Self.ip, "link", "set", link.hostInterface, "up")
                let inside = [Self.ip, "netns", "exec", link.namespace]
                try Self.run(inside + [Self.ip, "addr", "add", "\(link.address)/30", "dev", link.namespaceInterface])
                try Self.run(inside + [Self.ip, "link", "set", link.namespaceInterface, "up"])
                try Self.run(inside + [Self.ip, "link", "set", "lo", "up"])
                // Every other link's addresses (the proxy's among them) are reached through the root namespace.
                try Self.run(inside + [Self.ip, "route", "add", "default", "via", link.hostAddress])
                try network.shape(index, mbps: rate, verb: "add")
            }
        } catch {
            network.remove()
            throw error
        }
        return network
    }

    private init(links: [Link]) {
        self.links = links
    }

    /// The command prefix that runs a program inside link `index`'s namespace.
    func wrapper(_ index: Int) -> [String] {
        [Self.ip, "netns", "exec", self.links[index].namespace]
    }

    /// Shapes link `index` to `mbps` Mbit/s each way from now on.
    func setRate(_ mbps: Int, link index: Int) throws {
        try self.shape(index, mbps: mbps, verb: "change")
    }

    /// Token-bucket shaping of both ends' egress; a bucket of 10 ms of the rate (at least
    /// 16 KiB), and at most 100 ms of queue.
    private func shape(_ index: Int, mbps: Int, verb: String) throws {
        let burst = max(mbps * 1_000_000 / 8 / 100, 16 << 10)
        let tbf = ["root", "tbf", "rate", "\(mbps)mbit", "burst", "\(burst)", "latency", "100ms"]
        try Self.run([Self.tc, "qdisc", verb, "dev", self.links[index].hostInterface] + tbf)
        try Self.run(self.wrapper(index) + [Self.tc, "qdisc", verb, "dev", self.links[index].namespaceInterface] + tbf)
    }

    /// Kills what still runs in the namespaces, then deletes them and their veth pairs.
    /// Safe to call twice, and from several threads: a second caller returns once the
    /// first has finished.
    func remove() {
        self.removal.withLock { removed in
            guard !removed else { return }
            removed = true
            for link in self.links {
                Self.delete(namespace: link.namespace, hostInterface: link.hostInterface)
            }
        }
        Self.live.withLock { $0.removeAll { $0 === self } }
    }

    /// Kills every process left in `namespace` (a namespace outlives its name while any
    /// runs in it), then deletes it and the root side of its veth pair.
    private static func delete(namespace: String, hostInterface: String) {
        let pids = (try? Self.output(Self.ip, "netns", "pids", namespace)) ?? ""
        for pid in pids.split(whereSeparator: \.isWhitespace).compactMap({ Int32($0) }) {
            kill(pid, SIGKILL)
        }
        try? Self.run(Self.ip, "netns", "delete", namespace)
        try? Self.run(Self.ip, "link", "delete", hostInterface)
    }

    /// Removes the namespaces, their processes and their veth pairs named after a bench
    /// process that is no longer running.
    private static func removeLeftovers() {
        guard let listing = try? Self.output(Self.ip, "netns", "list") else { return }
        for line in listing.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix(Self.namePrefix), let dash = name.firstIndex(of: "-"),
                let pid = Int32(name[name.index(name.startIndex, offsetBy: Self.namePrefix.count)..<dash]), pid != getpid(), kill(pid, 0) != 0
            else { continue }
            let index = name[name.index(after: dash)...]
            Self.delete(namespace: name, hostInterface: "\(Self.namePrefix)\(pid)h\(index)")
        }
    }

    /// On SIGINT or SIGTERM: kills the bench's child processes (the proxy, nodes and
    /// Redis servers it started, which Foundation puts in process groups of their own, out
    /// of the terminal's reach), removes every live network, then exits as the signal would.
    private static func handleSignals() {
        Self.signalSources.withLock { sources in
            guard sources.isEmpty else { return }
            for signalNumber in [SIGINT, SIGTERM] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler {
                    Self.killChildren()
                    for network in Self.live.withLock({ $0 }) {
                        network.remove()
                    }
                    exit(128 + signalNumber)
                }
                source.resume()
                sources.append(source)
            }
        }
    }

    /// Sends SIGKILL to every process whose parent is this one.
    private static func killChildren() {
        let me = getpid()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: "/proc")) ?? []
        for entry in entries {
            guard let pid = Int32(entry), let stat = try? String(contentsOfFile: "/proc/\(entry)/stat", encoding: .utf8),
                let end = stat.lastIndex(of: ")")
            else { continue }
            // After the command name in parentheses: the state, then the parent's pid.
            let fields = stat[stat.index(after: end)...].split(separator: " ")
            if fields.count > 1, Int32(fields[1]) == me {
                kill(pid, SIGKILL)
            }
        }
    }

    private static func run(_ arguments: String...) throws {
        try Self.run(arguments)
    }

    private static func run(_ arguments: [String]) throws {
        _ = try Self.output(arguments)
    }

    private static func output(_ arguments: String...) throws -> String {
        try Self.output(arguments)
    }

    /// Runs a command to completion; its standard output.
    ///
    /// - Throws: ``EmulatedNetworkError`` if it exits with another status than 0.
    private static func output(_ arguments: [String]) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: arguments[0])
        process.arguments = Array(arguments.dropFirst())
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        let standardOutput = output.fileHandleForReading.readDataToEndOfFile()
        let standardError = errors.fileHandleForReading.readDataToEndOfFile()
        guard Self.exitStatus(of: process) == 0 else {
            throw EmulatedNetworkError(command: arguments.joined(separator: " "), message: String(decoding: standardError, as: UTF8.self))
        }
        return String(decoding: standardOutput, as: UTF8.self)
    }
}

extension EmulatedNetwork {
    /// The exit status of `process`, once it has exited (it is killed after 30 s): polled
    /// with `waitpid`, as `ChildProcess.terminate` does, because Foundation's
    /// `waitUntilExit` can spin for ever on Linux. -1 if it did not exit normally.
    fileprivate static func exitStatus(of process: Process) -> Int32 {
        let pid = process.processIdentifier
        let deadline = ContinuousClock.now + .seconds(30)
        while true {
            var status: Int32 = 0
            let result = waitpid(pid, &status, WNOHANG)
            if result == pid {
                return status & 0x7f == 0 ? (status >> 8) & 0xff : -1
            }
            if result == -1, errno == ECHILD {
                // Foundation reaped it first: its own record of the status is then set.
                for _ in 0..<1000 where process.isRunning {
                    usleep(1000)
                }
                return process.isRunning ? -1 : process.terminationStatus
            }
            if ContinuousClock.now > deadline {
                kill(pid, SIGKILL)
            }
            usleep(1000)
        }
    }
}

/// A command that sets up or shapes an emulated link failed.
struct EmulatedNetworkError: Error, CustomStringConvertible {
    var command: String
    var message: String
    var description: String { "`\(self.command)` failed: \(self.message.trimmingCharacters(in: .whitespacesAndNewlines))" }
}
