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
    private let isRemoved = Mutex(false)
    /// Networks to remove if the bench is interrupted.
    private static let live = Mutex<[EmulatedNetwork]>([])
    private static let signalSources = Mutex<[any DispatchSourceSignal]>([])
    static let namePrefix = "icb"
    static let ip = "/usr/sbin/ip"
    static let tc = "/usr/sbin/tc"

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

    /// Deletes the namespaces (their veth pairs go with them). Safe to call twice.
    func remove() {
        guard !self.isRemoved.withLock({ removed in defer { removed = true }; return removed }) else { return }
        for link in self.links {
            try? Self.run(Self.ip, "netns", "delete", link.namespace)
            try? Self.run(Self.ip, "link", "delete", link.hostInterface)
        }
        Self.live.withLock { $0.removeAll { $0 === self } }
    }

    /// Removes namespaces named after a bench process that is no longer running.
    private static func removeLeftovers() {
        guard let listing = try? Self.output(Self.ip, "netns", "list") else { return }
        for line in listing.split(separator: "\n") {
            let name = String(line.split(separator: " ").first ?? "")
            guard name.hasPrefix(Self.namePrefix), let dash = name.firstIndex(of: "-"),
                let pid = Int32(name[name.index(name.startIndex, offsetBy: Self.namePrefix.count)..<dash]), pid != getpid(), kill(pid, 0) != 0
            else { continue }
            try? Self.run(Self.ip, "netns", "delete", name)
        }
    }

    /// On SIGINT or SIGTERM: removes every live network, then exits as the signal would.
    private static func handleSignals() {
        Self.signalSources.withLock { sources in
            guard sources.isEmpty else { return }
            for signalNumber in [SIGINT, SIGTERM] {
                signal(signalNumber, SIG_IGN)
                let source = DispatchSource.makeSignalSource(signal: signalNumber, queue: .global())
                source.setEventHandler {
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
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw EmulatedNetworkError(command: arguments.joined(separator: " "), message: String(decoding: standardError, as: UTF8.self))
        }
        return String(decoding: standardOutput, as: UTF8.self)
    }
}

/// A command that sets up or shapes an emulated link failed.
struct EmulatedNetworkError: Error, CustomStringConvertible {
    var command: String
    var message: String
    var description: String { "`\(self.command)` failed: \(self.message.trimmingCharacters(in: .whitespacesAndNewlines))" }
}
