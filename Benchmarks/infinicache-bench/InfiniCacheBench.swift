import ArgumentParser
import Foundation

/// `infinicache-bench [SUITE ...] [--json] [--quick]`: runs the named suites (all of them
/// when none is named) and prints one row per measured figure.
@main
struct InfiniCacheBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "infinicache-bench",
        abstract: "Measures swift-infinicache side by side with the systems it is compared against.",
        discussion: """
            Every figure is printed beside a baseline measured in the same run and the ratio \
            value / baseline. Build with -c release for numbers that mean anything.
            """
    )

    @Argument(help: "Suites to run, in order; all of them when none is named.")
    var suites: [SuiteName] = SuiteName.allCases

    @Flag(help: "Print one JSON array of result rows on stdout and nothing else.")
    var json = false

    @Flag(help: "Fewer, shorter repetitions: a smoke test that finishes in seconds.")
    var quick = false

    @Flag(help: "Run the cache as separate infinicache-proxy and infinicache-node processes (built next to the bench) instead of embedding it.")
    var processes = false

    @Option(help: "The e2e and redundancy suites' network: loopback, or emulated (each cache node, and for e2e a Redis, in a network namespace behind a 400 Mbit/s tc-tbf link; needs root and iproute2, and runs the cache as separate processes).")
    var network: NetworkMode = .loopback

    @OptionGroup(title: "Options of the trace suite")
    var trace: TraceOptions

    func run() async throws {
        let settings = BenchSettings(quick: self.quick)
        var rows: [BenchRow] = []
        for suite in self.suites {
            progress("suite \(suite.rawValue)\(self.quick ? " (quick)" : "")")
            rows += try await suite.run(settings, separateProcesses: self.processes, network: self.network, trace: self.trace)
        }
        if self.json {
            print(try BenchRow.jsonArray(rows))
        } else {
            print(BenchRow.table(rows))
        }
    }
}

/// The suites the bench knows.
enum SuiteName: String, CaseIterable, ExpressibleByArgument {
    case codec
    case wire
    case e2e
    case redundancy
    case availability
    case trace
    case resp

    func run(_ settings: BenchSettings, separateProcesses: Bool, network: NetworkMode, trace: TraceOptions) async throws -> [BenchRow] {
        switch self {
        case .codec: try CodecSuite(settings: settings).run()
        case .wire: try WireSuite(settings: settings).run()
        case .e2e where network == .emulated: try await EmulatedE2E(suite: E2ESuite(settings: settings, separateProcesses: true)).run()
        case .e2e: try await E2ESuite(settings: settings, separateProcesses: separateProcesses).run()
        case .redundancy: try await RedundancySuite(settings: settings, separateProcesses: separateProcesses, network: network).run()
        case .availability: try await AvailabilitySuite(settings: settings).run()
        case .trace: try await TraceSuite(settings: settings, options: trace).run()
        case .resp: try await RESPSuite(settings: settings).run()
        }
    }
}

/// Where the e2e suite's cache and Redis talk.
enum NetworkMode: String, CaseIterable, ExpressibleByArgument {
    case loopback
    case emulated
}

/// Writes a progress line to stderr, which `--json` leaves free of results.
func progress(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}
